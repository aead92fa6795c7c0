/// A point on the monotonic clock in nanoseconds. Connection deadlines use it because wall-clock
/// time can jump. This module reads no clock: the driver passes instants in (its clock is in
/// HTTPServer's Threads/Clocks.swift), and tests make them by hand, so timeouts are tested
/// without sleeping.
public struct MonotonicInstant: Comparable, Hashable, Sendable {
    /// Nanoseconds since an arbitrary start (boot, for the real clock).
    public var nanoseconds: UInt64

    /// Creates an instant.
    /// - Parameter nanoseconds: Nanoseconds since an arbitrary start.
    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    /// The instant `duration` later.
    public static func + (lhs: MonotonicInstant, rhs: Duration) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: lhs.nanoseconds &+ rhs.nanosecondsClamped)
    }

    /// Seconds from `earlier` to this instant, zero when `earlier` is later: for logs and metrics,
    /// per request, without building a `Duration` (whose `components` cost ~190 instructions).
    /// - Parameter earlier: The start.
    public func seconds(since earlier: MonotonicInstant) -> Double {
        self > earlier ? Double(nanoseconds - earlier.nanoseconds) / 1e9 : 0
    }

    /// The instant `nanoseconds` later.
    package func adding(nanoseconds delta: UInt64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: nanoseconds &+ delta)
    }

    /// The time from `rhs` to `lhs`, zero when `rhs` is later.
    public static func - (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Duration {
        lhs > rhs ? .nanoseconds(Int64(lhs.nanoseconds - rhs.nanoseconds)) : .zero
    }
}

extension Duration {
    /// The duration in whole nanoseconds, negative durations as zero.
    package var nanosecondsClamped: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }

    /// The duration in seconds as a Double, for logs and metrics.
    public var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
