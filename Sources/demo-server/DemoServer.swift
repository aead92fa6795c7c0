import Glibc
import DemoApp

/// `demo-server`: the demo web service (`serve`, the default) and its own health probe.
///
/// A synchronous `main` on purpose: an async `main` ends the main thread with `pthread_exit`
/// (via `dispatch_main`), and in a static binary that forced unwind makes libgcc sort the whole
/// unwind table, costing ~16 ms of start-up and ~2 MB of memory. The main thread just waits.
@main
enum DemoServer {
    static func main() {
        let invocation: Invocation
        do {
            invocation = try Invocation.parse(CommandLine.arguments.dropFirst())
        } catch {
            ConsoleLine.write("demo-server: \(error)")
            exit(ExitStatus.usage)
        }
        switch invocation {
        case .serve(let flags):
            do {
                try ServeCommand(flags: flags).run()
            } catch {
                exit(error.code)
            }
        case .healthCheck(let options):
            exit(HealthCheckCommand(options: options).run())
        case .help(let topic):
            ConsoleLine.write(HelpText.text(for: topic), to: STDOUT_FILENO)
            exit(0)
        case .version:
            ConsoleLine.write(BuildInfo.versionText, to: STDOUT_FILENO)
            exit(0)
        }
    }
}

/// How the process ends, as sysexits(3) has it for a bad command line or configuration.
struct ExitStatus: Error {
    let code: Int32

    /// A runtime failure: the database, the listener, the public directory.
    static let failure = ExitStatus(code: 1)
    /// A command line or setting that cannot be used (EX_USAGE).
    static let usage: Int32 = 64
    static let badConfiguration = ExitStatus(code: usage)
}
