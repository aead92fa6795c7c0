#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `demo-server healthcheck`: GET /livez on 127.0.0.1 and exit 0 on 200, else 1.
///
/// Images without curl or a shell run this as their HEALTHCHECK. It connects to 127.0.0.1 rather
/// than `localhost`: a static binary in `scratch` has no resolver configuration to look names up.
struct HealthCheckCommand {
    let options: Invocation.HealthCheckOptions

    /// Probes the server.
    /// - Returns: The exit status: 0 healthy, 1 not, 64 for a bad port or path.
    func run() -> Int32 {
        let portText = Setting.port.resolve(flag: options.port)
        guard let portNumber = Int(portText), (1...65535).contains(portNumber) else {
            Self.report("PORT must be an integer from 1 to 65535; got \"\(portText)\"")
            return ExitStatus.usage
        }
        let path = options.path
        guard path.hasPrefix("/"), !path.contains(where: { $0 == " " || $0.isNewline }) else {
            Self.report("--path must start with / and contain no spaces")
            return ExitStatus.usage
        }
        do {
            let status = try LoopbackProbe.get(port: portNumber, path: path, timeoutMilliseconds: Int32(options.timeout * 1000))
            guard status == 200 else {
                Self.report("GET \(path) answered \(status)")
                return ExitStatus.failure.code
            }
            return 0
        } catch let error as LoopbackProbe.Failure {
            Self.report("GET \(path) on 127.0.0.1:\(portNumber) failed: \(error.message)")
            return ExitStatus.failure.code
        } catch {
            Self.report("GET \(path) on 127.0.0.1:\(portNumber) failed: \(error)")
            return ExitStatus.failure.code
        }
    }

    private static func report(_ message: String) {
        var line = "healthcheck: \(message)\n"
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
