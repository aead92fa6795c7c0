#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser

/// `demo-server healthcheck`: GET /healthz on 127.0.0.1 and exit 0 on 200, else 1.
///
/// Images without curl or a shell run this as their HEALTHCHECK. It connects to 127.0.0.1 rather
/// than `localhost`: a static binary in `scratch` has no resolver configuration to look names up.
struct HealthCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Check that a server on this machine answers GET /healthz with 200 (exit 0), else exit 1."
    )

    @Option(help: "Port of the server. [env: PORT, default: 8080]")
    var port: String?

    @Option(help: "Path to request.")
    var path: String = "/healthz"

    @Option(help: "Seconds to wait for the answer.")
    var timeout: Double = 2

    func run() throws {
        let portText = Setting.port.resolve(flag: port)
        guard let portNumber = Int(portText), (1...65535).contains(portNumber) else {
            Self.report("PORT must be an integer from 1 to 65535; got \"\(portText)\"")
            throw ExitCode.validationFailure
        }
        guard path.hasPrefix("/"), !path.contains(where: { $0 == " " || $0.isNewline }) else {
            Self.report("--path must start with / and contain no spaces")
            throw ExitCode.validationFailure
        }
        do {
            let status = try LoopbackProbe.get(port: portNumber, path: path, timeoutMilliseconds: Int32(timeout * 1000))
            guard status == 200 else {
                Self.report("GET \(path) answered \(status)")
                throw ExitCode.failure
            }
        } catch let error as LoopbackProbe.Failure {
            Self.report("GET \(path) on 127.0.0.1:\(portNumber) failed: \(error.message)")
            throw ExitCode.failure
        }
    }

    private static func report(_ message: String) {
        var line = "healthcheck: \(message)\n"
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
