/// The `uri-host [ ":" port ]` grammar of a `Host` field and of an absolute-form target's
/// authority (RFC 9110 §7.2, RFC 3986 §3.2.2-3.2.3).
///
/// RFC 9112 §3.2 makes an invalid `Host` a 400: a value such as `a b/c@d` is not a host, and an
/// application that builds links or routes virtual hosts from it must never see it. Userinfo
/// (`user@host`) is not part of this grammar, which is what RFC 9110 §4.2.4 asks of `http` URIs.
enum Authority {
    typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

    /// Whether `bytes` is `uri-host [ ":" port ]`:
    /// `uri-host = IP-literal / IPv4address / reg-name`, `port = *DIGIT`.
    /// - Parameters:
    ///   - bytes: The field value or authority, without surrounding whitespace.
    ///   - allowsEmptyHost: A `Host` field may be empty (RFC 9112 §3.2: a target without an
    ///     authority); an `http` URI may not (RFC 9110 §4.2.1).
    static func isValid(_ bytes: some Collection<UInt8>, allowsEmptyHost: Bool) -> Bool {
        // In place when the bytes are contiguous (a parsed field always is): no copy per request.
        if let result = bytes.withContiguousStorageIfAvailable({ isValid(contiguous: $0, allowsEmptyHost: allowsEmptyHost) }) {
            return result
        }
        return Array(bytes).withUnsafeBufferPointer { isValid(contiguous: $0, allowsEmptyHost: allowsEmptyHost) }
    }

    private static func isValid(contiguous bytes: UnsafeBufferPointer<UInt8>, allowsEmptyHost: Bool) -> Bool {
        let hostEnd: Int
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), isIPLiteralBody(bytes[1..<close]) else {
                return false
            }
            hostEnd = close + 1
        } else {
            guard let end = regNameEnd(bytes) else { return false }
            hostEnd = end
            if hostEnd == 0 && !allowsEmptyHost { return false }
        }
        guard hostEnd < bytes.count else { return true }
        // `":" port`, where port is `*DIGIT` (an empty port is allowed by the grammar); any other
        // byte after the host is one no host may hold.
        guard bytes[hostEnd] == UInt8(ascii: ":") else { return false }
        for index in (hostEnd + 1)..<bytes.count where !isDigit(bytes[index]) { return false }
        return true
    }

    /// Where the `reg-name = *( unreserved / pct-encoded / sub-delims )` that starts `bytes` ends
    /// (IPv4address is a subset of it): the index of the first byte that cannot continue it, or
    /// nil when a `%` is not followed by two hex digits. One pass over a Host value, which every
    /// request has.
    private static func regNameEnd(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, isHexDigit(bytes[index + 1]), isHexDigit(bytes[index + 2]) else {
                    return nil
                }
                index += 3
                continue
            }
            guard isRegNameByte(byte) else { return index }
            index += 1
        }
        return index
    }

    /// What is between `[` and `]`: `IPv6address / IPvFuture` (RFC 3986 §3.2.2). Zone
    /// identifiers (RFC 6874) are not part of it.
    private static func isIPLiteralBody(_ bytes: Bytes) -> Bool {
        guard let first = bytes.first else { return false }
        if first == UInt8(ascii: "v") || first == UInt8(ascii: "V") {
            // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
            let rest = bytes.dropFirst()
            guard let dot = rest.firstIndex(of: UInt8(ascii: ".")), dot > rest.startIndex,
                rest[..<dot].allSatisfy(isHexDigit), dot + 1 < rest.endIndex
            else { return false }
            return rest[(dot + 1)...].allSatisfy { isUnreserved($0) || isSubDelimiter($0) || $0 == UInt8(ascii: ":") }
        }
        return isIPv6Address(bytes)
    }

    /// RFC 3986 `IPv6address`: eight groups of 1-4 hex digits, at most one `::` standing for one
    /// or more zero groups, and optionally a dotted IPv4 address as the last 32 bits.
    static func isIPv6Address(_ bytes: Bytes) -> Bool {
        let colon = UInt8(ascii: ":")
        let text = Array(bytes)
        var groups = 0
        var sawDoubleColon = false
        var index = 0
        if text.starts(with: [colon, colon]) {
            sawDoubleColon = true
            index = 2
            if index == text.count { return true }  // "::"
        } else if text.first == colon {
            return false
        }
        while index < text.count {
            var end = index
            while end < text.count, text[end] != colon { end += 1 }
            let group = text[index..<end]
            if end == text.count, group.contains(UInt8(ascii: ".")) {
                // The last 32 bits as an IPv4 address.
                guard isIPv4Address(group) else { return false }
                groups += 2
                break
            }
            guard (1...4).contains(group.count), group.allSatisfy(isHexDigit) else { return false }
            groups += 1
            guard end < text.count else { break }
            // One colon between groups; two for the single `::`, which may also end the address.
            if end + 1 < text.count, text[end + 1] == colon {
                guard !sawDoubleColon else { return false }
                sawDoubleColon = true
                index = end + 2
                if index == text.count { break }
            } else {
                index = end + 1
                guard index < text.count else { return false }  // A trailing single colon.
            }
        }
        return sawDoubleColon ? groups <= 7 : groups == 8
    }

    /// `IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet`, no leading zeros.
    private static func isIPv4Address(_ bytes: some Collection<UInt8>) -> Bool {
        let octets = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        for octet in octets {
            guard (1...3).contains(octet.count), octet.allSatisfy(isDigit) else { return false }
            if octet.count > 1 && octet.first == UInt8(ascii: "0") { return false }
            let value = octet.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard value <= 255 else { return false }
        }
        return true
    }

    /// `unreserved / sub-delims` (RFC 3986 §2.3, §2.2) as a 128-bit set, bytes 0-63 and 64-127:
    /// what a reg-name holds besides percent-encodings, one test per byte of every Host.
    private static let regNameLow: UInt64 = 0x2BFF_7FD2_0000_0000
    private static let regNameHigh: UInt64 = 0x47FF_FFFE_87FF_FFFE

    @inline(__always)
    static func isRegNameByte(_ byte: UInt8) -> Bool {
        ByteClasses.isASCII(byte, in: regNameLow, regNameHigh)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    /// `unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"`
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
    }

    /// `sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="`
    private static func isSubDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="):
            true
        default:
            false
        }
    }
}
