/// Hexadecimal digits on bytes, either case: what percent-encoding (RFC 3986 §2.1) and JSON's
/// `\u` escapes (RFC 8259 §7) accept. Trace Context, which allows lowercase only, has its own.
enum HexDigit {
    /// The value of one hex digit, or nil.
    static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
