/// Byte classes from RFC 9110 §5.6.2 and §5.5, as branch-light tests on constants: no table to
/// load through a lazily initialised global (each access of one cost a `swift_once` check).
enum ByteClasses {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A

    /// `tchar` as a 128-bit set, bytes 0-63 and 64-127: DIGIT, ALPHA and ``!#$%&'*+-.^_`|~``.
    private static let tokenLow: UInt64 = 0x03FF_6CFA_0000_0000
    private static let tokenHigh: UInt64 = 0x57FF_FFFF_C7FF_FFFE

    /// Whether `byte` is a `tchar`: a character of a token (method, field name, transfer coding).
    @inline(__always)
    static func isToken(_ byte: UInt8) -> Bool {
        isASCII(byte, in: tokenLow, tokenHigh)
    }

    /// Whether `byte` is in the ASCII set whose bytes 0-63 are the bits of `low` and 64-127 those
    /// of `high`: one shift and one test per byte, no table to load.
    @inline(__always)
    static func isASCII(_ byte: UInt8, in low: UInt64, _ high: UInt64) -> Bool {
        if byte < 64 { return low & (1 << UInt64(byte)) != 0 }
        if byte < 128 { return high & (1 << UInt64(byte - 64)) != 0 }
        return false
    }

    /// `field-vchar` plus SP and HTAB: what a field value may hold (obs-text included).
    @inline(__always)
    static func isFieldValue(_ byte: UInt8) -> Bool {
        byte == tab || (byte >= 0x20 && byte != 0x7F)
    }

    /// Visible ASCII but `#`: what a request target may hold (RFC 3986 characters are a subset).
    /// No form of request-target has a fragment (RFC 9112 §3.2): a client strips it before
    /// sending (RFC 9110 §7.1), so a `#` on the wire is a malformed target (400), not a path
    /// character. nginx 1.22 drops what follows it instead (`/basic#frag` is `/basic`, and
    /// `/x#/../basic` is `/x`); a proxy in front that keeps it would then route the same bytes
    /// elsewhere, which a 400 rules out.
    @inline(__always)
    static func isTarget(_ byte: UInt8) -> Bool {
        byte >= 0x21 && byte <= 0x7E && byte != 0x23
    }

    static func isToken(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return false }
        for byte in bytes where !isToken(byte) { return false }
        return true
    }

    /// ASCII case-insensitive comparison of two byte strings (field names, tokens); no Unicode folding.
    @inline(__always)
    static func equalsIgnoringASCIICase(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in 0..<lhs.count where lhs[index] != rhs[index] {
            guard lhs[index].asciiLowercased == rhs[index].asciiLowercased else { return false }
        }
        return true
    }
}

extension UInt8 {
    @inlinable
    package var asciiLowercased: UInt8 { (0x41...0x5A).contains(self) ? self | 0x20 : self }
}

// Inlinable: the application matches paths and field names with these on every request, and a
// call across modules to an unspecialized generic costs a metadata lookup each time.
extension UnsafeBufferPointer<UInt8> {
    /// Whether these bytes (a field name, say) are `lowercased` ignoring ASCII case (RFC 9110
    /// §5.1); no Unicode folding.
    /// - Parameter lowercased: The name in lower case.
    @inlinable
    package func equalsIgnoringASCIICase(_ lowercased: StaticString) -> Bool {
        lowercased.withUTF8Buffer { expected in
            guard count == expected.count else { return false }
            for index in 0..<expected.count where self[index].asciiLowercased != expected[index] { return false }
            return true
        }
    }

    /// Whether these bytes are exactly `other`'s.
    @inlinable
    package func equals(_ other: StaticString) -> Bool {
        other.withUTF8Buffer { expected in count == expected.count && hasPrefix(expected) }
    }

    /// Whether these bytes start with `prefix`'s.
    @inlinable
    package func hasPrefix(_ prefix: StaticString) -> Bool {
        prefix.withUTF8Buffer(hasPrefix)
    }

    /// Whether these bytes start with `prefix` (an index loop: the generic `starts(with:)` and
    /// `elementsEqual` walk iterators, several times the instructions on a short path).
    @inlinable
    package func hasPrefix(_ prefix: UnsafeBufferPointer<UInt8>) -> Bool {
        guard count >= prefix.count else { return false }
        for index in 0..<prefix.count where self[index] != prefix[index] { return false }
        return true
    }
}
