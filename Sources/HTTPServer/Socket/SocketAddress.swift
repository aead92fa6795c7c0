import Glibc
/// An IPv4 or IPv6 address with a port, as the socket calls take it.
struct SocketAddress {
    private(set) var storage = sockaddr_storage()
    private(set) var length: socklen_t = 0

    /// The address family, `AF_INET` or `AF_INET6`.
    var family: Int32 { Int32(storage.ss_family) }

    /// Parses a numeric host (no DNS: a static binary in `scratch` has no resolver to ask).
    /// - Parameters:
    ///   - host: An IPv4 or IPv6 literal, e.g. `0.0.0.0` or `::`.
    ///   - port: The port, 0 for any free one.
    /// - Throws: `SocketError.invalidAddress` when `host` is not an IP literal,
    ///   `SocketError.invalidPort` when `port` is outside 0...65535.
    init(host: String, port: Int) throws {
        // Checked here because `UInt16(port)` below would trap on a bad configuration value.
        guard (0...Int(UInt16.max)).contains(port) else { throw SocketError.invalidPort(port) }
        let host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var ipv4 = sockaddr_in()
        if inet_pton(AF_INET, host, &ipv4.sin_addr) == 1 {
            ipv4.sin_family = sa_family_t(AF_INET)
            ipv4.sin_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeBytes(of: ipv4) { source in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            return
        }
        var ipv6 = sockaddr_in6()
        if inet_pton(AF_INET6, host, &ipv6.sin6_addr) == 1 {
            ipv6.sin6_family = sa_family_t(AF_INET6)
            ipv6.sin6_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeBytes(of: ipv6) { source in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            return
        }
        throw SocketError.invalidAddress(host)
    }

    /// Wraps an address filled in by `accept4` or `getsockname`.
    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    /// The port in host byte order.
    var port: Int {
        withUnsafeBytes(of: storage) { raw in
            switch Int32(storage.ss_family) {
            case AF_INET: Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
            case AF_INET6: Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            default: 0
            }
        }
    }

    /// The numeric host, e.g. `127.0.0.1` or `::1`; IPv4-mapped IPv6 addresses print as IPv4.
    /// Made for every accepted connection (the access log's `remote`): IPv4 is written by hand,
    /// since glibc's `inet_ntop` formats through `sprintf`.
    var host: String {
        withUnsafeBytes(of: storage) { raw in
            switch Int32(storage.ss_family) {
            case AF_INET:
                let address = raw.load(fromByteOffset: MemoryLayout<sockaddr_in>.offset(of: \.sin_addr)!, as: (UInt8, UInt8, UInt8, UInt8).self)
                return Self.dottedQuad(address)
            case AF_INET6:
                let offset = MemoryLayout<sockaddr_in6>.offset(of: \.sin6_addr)!
                let bytes = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 16)])
                // ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), as a dual-stack listener sees IPv4 clients.
                if bytes.prefix(10).allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                    return Self.dottedQuad((bytes[12], bytes[13], bytes[14], bytes[15]))
                }
                var address = raw.load(fromByteOffset: offset, as: in6_addr.self)
                var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
                guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else { return "" }
                return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            default:
                return ""
            }
        }
    }

    /// `a.b.c.d` in decimal, without leading zeros.
    private static func dottedQuad(_ address: (UInt8, UInt8, UInt8, UInt8)) -> String {
        String(unsafeUninitializedCapacity: 15) { text in
            var count = 0
            func append(_ octet: UInt8) {
                if octet >= 100 { text[count] = 0x30 + octet / 100; count += 1 }
                if octet >= 10 { text[count] = 0x30 + octet / 10 % 10; count += 1 }
                text[count] = 0x30 + octet % 10
                count += 1
            }
            func appendDotted(_ octet: UInt8) {
                text[count] = UInt8(ascii: ".")
                count += 1
                append(octet)
            }
            append(address.0)
            appendDotted(address.1)
            appendDotted(address.2)
            appendDotted(address.3)
            return count
        }
    }

    /// Calls `body` with the address as the socket calls take it.
    func withSockAddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) rethrows -> T {
        try withUnsafeBytes(of: storage) { raw in
            try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }
}
