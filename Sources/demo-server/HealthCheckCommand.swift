import Glibc

/// `demo-server healthcheck`: GET /livez on the address the server listens on, and exit 0 on
/// 200, else 1.
///
/// Images without curl or a shell run this as their HEALTHCHECK. It dials `HOST` (or `--host`),
/// as the server binds it: a specific address as it is, the IPv4 wildcard `0.0.0.0` as 127.0.0.1,
/// the IPv6 wildcard `::` as ::1 and then 127.0.0.1 (a host without IPv6 loopback). Never a name:
/// a static binary in `scratch` has no resolver configuration to look names up.
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
        let host = Setting.host.resolve(flag: options.host)
        guard let addresses = Self.addressesToDial(forListening: host) else {
            Self.report("HOST must be an IPv4 or IPv6 address; got \"\(host)\"")
            return ExitStatus.usage
        }
        var lastFailure = ""
        for address in addresses {
            do {
                let status = try LoopbackProbe.get(
                    address: address, port: portNumber, path: path, timeoutMilliseconds: Int32(options.timeout * 1000))
                guard status == 200 else {
                    Self.report("GET \(path) answered \(status)")
                    return ExitStatus.failure.code
                }
                return 0
            } catch {
                lastFailure = "GET \(path) on \(address.text):\(portNumber) failed: \(error.message)"
            }
        }
        Self.report(lastFailure)
        return ExitStatus.failure.code
    }

    /// Where a server listening on `host` can be reached from this machine, in the order to try;
    /// nil when `host` is not an address.
    static func addressesToDial(forListening host: String) -> [LoopbackProbe.Address]? {
        guard let address = LoopbackProbe.Address(host) else { return nil }
        switch host {
        case "0.0.0.0": return [LoopbackProbe.Address("127.0.0.1")!]
        case "::", "::0": return [LoopbackProbe.Address("::1")!, LoopbackProbe.Address("127.0.0.1")!]
        default: return [address]
        }
    }

    private static func report(_ message: String) {
        ConsoleLine.write("healthcheck: \(message)")
    }
}
