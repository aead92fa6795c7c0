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
            exit(writeLine("demo-server: \(error)", to: STDERR_FILENO, status: ExitStatus.usage))
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
            exit(writeLine(HelpText.text(for: topic), to: STDOUT_FILENO, status: 0))
        case .version:
            exit(writeLine(BuildInfo.versionText, to: STDOUT_FILENO, status: 0))
        }
    }

    /// Writes `text` and a newline unless it ends in one, and returns `status`.
    private static func writeLine(_ text: String, to descriptor: Int32, status: Int32) -> Int32 {
        var line = text.hasSuffix("\n") ? text : text + "\n"
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { break }
                offset += written
            }
        }
        return status
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
