/// Byte classes from RFC 9110 §5.6.2 and §5.5, as lookup tables so the parser's inner loops
/// do one load per byte.
enum ByteClasses {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A

    /// `tchar`: the characters of a token (method, field name, transfer coding).
    static let token: [Bool] = (0...255).map { (byte: Int) -> Bool in
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        default: return Array("!#$%&'*+-.^_`|~".utf8).contains(UInt8(byte))
        }
    }

    /// `field-vchar` plus SP and HTAB: what a field value may hold (obs-text included).
    static let fieldValue: [Bool] = (0...255).map { (byte: Int) -> Bool in
        byte == 0x09 || byte == 0x20 || (0x21...0x7E).contains(byte) || byte >= 0x80
    }

    /// Visible ASCII: what a request target may hold (RFC 3986 characters are a subset).
    static let target: [Bool] = (0...255).map { (byte: Int) -> Bool in
        (0x21...0x7E).contains(byte)
    }

    static func isToken(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return false }
        for byte in bytes where !token[Int(byte)] { return false }
        return true
    }
}
