import ArgumentParser
import DemoApp

/// `demo-server`: the demo web service (`serve`, the default) and its own health probe.
@main
struct DemoServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-server",
        abstract: "A tiny, fast, hardened Swift web service: demo page, static files, visit counter.",
        discussion: """
            Every setting is an environment variable and a flag; the flag wins. See README.md for \
            the full table. Exit codes: 0 clean stop, 1 runtime failure, 64 bad configuration.
            """,
        version: DemoVersion.current,
        subcommands: [ServeCommand.self, HealthCheckCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
