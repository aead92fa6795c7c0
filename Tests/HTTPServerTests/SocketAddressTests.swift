#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing

@testable import HTTPServer

@Suite struct SocketAddressTests {
    @Test(arguments: [
        ("127.0.0.1", 8080, AF_INET, "127.0.0.1"),
        ("0.0.0.0", 0, AF_INET, "0.0.0.0"),
        ("::1", 443, AF_INET6, "::1"),
        ("[::1]", 65535, AF_INET6, "::1"),
        ("::", 1, AF_INET6, "::"),
        ("::ffff:10.0.0.1", 80, AF_INET6, "10.0.0.1"),  // IPv4-mapped prints as IPv4
        ("fe80::1", 80, AF_INET6, "fe80::1"),
    ] as [(String, Int, Int32, String)])
    func parsesLiterals(host: String, port: Int, family: Int32, printed: String) throws {
        let address = try SocketAddress(host: host, port: port)
        #expect(address.family == family)
        #expect(address.port == port)
        #expect(address.host == printed)
    }

    @Test(arguments: ["localhost", "", "1.2.3", "256.0.0.1", "::1::", "[::1", "example.com"])
    func rejectsWhatIsNotAnIPLiteral(host: String) {
        #expect(throws: SocketError.invalidAddress(host)) { try SocketAddress(host: host, port: 80) }
    }

    @Test(arguments: [-1, 65536, 70_000, Int.max, Int.min])
    func rejectsPortsOutOfRange(port: Int) {
        #expect(throws: SocketError.invalidPort(port)) { try SocketAddress(host: "127.0.0.1", port: port) }
    }

    @Test func errorsDescribeTheCall() {
        let error = SocketError.failed("bind", code: EADDRINUSE)
        #expect(error.call == "bind")
        #expect(error.code == EADDRINUSE)
        #expect(error.description.hasPrefix("bind failed: "))
        #expect(error.description.hasSuffix("(errno \(EADDRINUSE))"))
    }
}
