/// A W3C trace id: 16 bytes, never all zero (Trace Context §3.2.2.3).
public struct TraceID: Hashable, Sendable {
    /// The first 8 bytes, big-endian.
    public let high: UInt64
    /// The last 8 bytes, big-endian.
    public let low: UInt64

    /// A trace id from its two halves, or nil for the invalid all-zero id.
    /// - Parameters:
    ///   - high: The first 8 bytes.
    ///   - low: The last 8 bytes.
    public init?(high: UInt64, low: UInt64) {
        guard high != 0 || low != 0 else { return nil }
        self.high = high
        self.low = low
    }

    /// 32 lowercase hex digits, as `traceparent` and log lines carry it.
    public var hexString: String { LowercaseHex.string(high, low, count: 2) }
}

/// A W3C span id (`parent-id` in `traceparent`): 8 bytes, never all zero (§3.2.2.4).
public struct SpanID: Hashable, Sendable {
    /// The 8 bytes, big-endian.
    public let value: UInt64

    /// A span id, or nil for the invalid all-zero id.
    /// - Parameter value: The 8 bytes.
    public init?(_ value: UInt64) {
        guard value != 0 else { return nil }
        self.value = value
    }

    /// 16 lowercase hex digits.
    public var hexString: String { LowercaseHex.string(value, 0, count: 1) }
}

/// Lowercase hex in both directions, on bytes: the only form Trace Context allows (HEXDIGLC).
enum LowercaseHex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The 16 hex digits of `first`, then of `second` when `count` is 2 (no variadic array to
    /// allocate: this runs for every access-log line).
    static func string(_ first: UInt64, _ second: UInt64, count: Int) -> String {
        String(unsafeUninitializedCapacity: count * 16) { buffer in
            for digit in 0..<16 {
                buffer[digit] = digits[Int((first >> UInt64(60 - digit * 4)) & 0xF)]
                if count == 2 { buffer[16 + digit] = digits[Int((second >> UInt64(60 - digit * 4)) & 0xF)] }
            }
            return count * 16
        }
    }

    /// The value of one lowercase hex digit, or nil (uppercase included).
    @inline(__always)
    static func value(of byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(byte &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(byte &- UInt8(ascii: "a") &+ 10)
        default: nil
        }
    }

    /// The number `count` (at most 16) lowercase hex digits at `start` spell, or nil.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, count: Int) -> UInt64? {
        var result: UInt64 = 0
        for index in start..<(start + count) {
            guard let digit = value(of: bytes[index]) else { return nil }
            result = result << 4 | digit
        }
        return result
    }
}
