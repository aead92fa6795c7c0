@testable import HTTP1

extension MonotonicInstant {
    /// An arbitrary start for hand-made timelines.
    static let t0 = MonotonicInstant(nanoseconds: 1_000_000_000_000)

    /// `t0` plus `duration`: test instants read as "10 s after start".
    static func at(_ duration: Duration) -> MonotonicInstant {
        t0 + duration
    }
}
