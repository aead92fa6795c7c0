import Testing

@testable import HTTP1

@Suite struct AuthorityTests {
    /// The reg-name byte set is RFC 3986's `unreserved / sub-delims`, byte for byte.
    @Test func regNameBytesAreUnreservedAndSubDelimiters() {
        let allowed = Set(("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + "-._~" + "!$&'()*+,;=").utf8)
        for byte in UInt8.min...UInt8.max {
            #expect(Authority.isRegNameByte(byte) == allowed.contains(byte), "byte \(byte)")
        }
    }

    @Test(arguments: [
        ("127.0.0.1:8080", true), ("example.com", true), ("a%2Db.example", true), ("[::1]:80", true),
        ("", true), (":80", true), ("exa mple.com", false), ("host:8o", false), ("a%2", false), ("user@host", false),
        ("h\u{e9}te", false),
    ])
    func hostValues(host: String, valid: Bool) {
        #expect(Authority.isValid(Array(host.utf8), allowsEmptyHost: true) == valid)
    }
}
