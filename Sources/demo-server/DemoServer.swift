import ArgumentParser
import DemoApp

/// `demo-server`: the demo web service (`serve`, the default) and its own health probe.
///
/// A synchronous command on purpose: an async `main` ends the main thread with `pthread_exit`
/// (via `dispatch_main`), and in a static binary that forced unwind makes libgcc sort the whole
/// unwind table, costing ~16 ms of start-up and ~2 MB of memory. The main thread just waits.
@main
struct DemoServer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-server",
        abstract: "A tiny, fast, hardened Swift web service: demo page, static files, visit counter.",
        discussion: """
            Every setting is an environment variable and a flag; the flag wins. See README.md for \
            the full table. Exit codes: 0 clean stop, 1 runtime failure, 64 bad configuration.
            """,
        version: BuildInfo.versionText,
        subcommands: [ServeCommand.self, HealthCheckCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
