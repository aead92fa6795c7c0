@testable import HTTPServer
import Testing

/// The remote address as text, written by hand for IPv4 (and IPv4-mapped IPv6), by `inet_ntop`
/// for the rest: the same text either way.
@Suite struct SocketAddressTextTests {
    @Test(arguments: [
        ("0.0.0.0", "0.0.0.0"), ("127.0.0.1", "127.0.0.1"), ("255.255.255.255", "255.255.255.255"),
        ("10.0.100.9", "10.0.100.9"), ("192.168.1.20", "192.168.1.20"),
        ("::1", "::1"), ("::", "::"), ("2001:db8::1", "2001:db8::1"),
        ("::ffff:192.168.1.20", "192.168.1.20"), ("::ffff:0.0.0.1", "0.0.0.1"),
        ("::fffe:c0a8:114", "::fffe:c0a8:114"),
    ])
    func hostIsTheNumericAddress(literal: String, expected: String) throws {
        #expect(try SocketAddress(host: literal, port: 80).host == expected)
    }
}
