/// A parsed W3C `traceparent` field (Trace Context Level 1, §3.2):
/// `version "-" trace-id "-" parent-id "-" trace-flags`, all lowercase hex.
public struct TraceParent: Equatable, Sendable {
    /// The caller's trace.
    public let traceID: TraceID
    /// The caller's span: this request's parent.
    public let parentID: SpanID
    /// The trace flags; bit 0 is `sampled` (§3.2.2.5).
    public let flags: UInt8

    /// Whether the caller recorded its span (`sampled`, bit 0 of the flags).
    public var isSampled: Bool { flags & 1 == 1 }

    /// The length of a version 00 value: 2 + 1 + 32 + 1 + 16 + 1 + 2.
    static let version00Length = 55

    /// Parses a `traceparent` value strictly, as §3.2 and §4.3 ("Versioning of traceparent")
    /// say a receiver must:
    /// - version `00`: exactly 55 characters, four fields, lowercase hex only;
    /// - version `ff` is invalid; a version that is not two lowercase hex digits is invalid;
    /// - a higher version is parsed as far as version 00 goes: at least 55 characters, and
    ///   after the flags either the end or a `-` (what follows belongs to that version);
    /// - an all-zero trace-id or parent-id is invalid.
    ///
    /// An invalid value is not an error to the client: the request starts a new trace (§3.2).
    /// - Parameter value: The field value, leading and trailing whitespace already removed by
    ///   the HTTP parser (RFC 9112 §5.1).
    /// - Returns: The parent, or nil when the value is invalid.
    public static func parse(_ value: String) -> TraceParent? {
        var value = value
        return value.withUTF8 { parse(bytes: $0) }
    }

    private static func parse(bytes: UnsafeBufferPointer<UInt8>) -> TraceParent? {
        let dash = UInt8(ascii: "-")
        guard bytes.count >= version00Length,
            let version = LowercaseHex.parse(bytes, from: 0, count: 2), version != 0xFF,
            bytes[2] == dash, bytes[35] == dash, bytes[52] == dash
        else { return nil }
        if version == 0 {
            guard bytes.count == version00Length else { return nil }
        } else if bytes.count > version00Length, bytes[version00Length] != dash {
            return nil
        }
        guard let high = LowercaseHex.parse(bytes, from: 3, count: 16),
            let low = LowercaseHex.parse(bytes, from: 19, count: 16),
            let traceID = TraceID(high: high, low: low),
            let parent = LowercaseHex.parse(bytes, from: 36, count: 16),
            let parentID = SpanID(parent),
            let flags = LowercaseHex.parse(bytes, from: 53, count: 2)
        else { return nil }
        // A later version's other flag bits mean nothing to version 00: only `sampled` is kept
        // (§4.3).
        return TraceParent(traceID: traceID, parentID: parentID, flags: version == 0 ? UInt8(flags) : UInt8(flags) & 1)
    }
}
