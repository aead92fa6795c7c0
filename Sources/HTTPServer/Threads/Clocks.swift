import Glibc
/// The two clocks the driver reads; the HTTP1 core reads none and is given their readings.
extension MonotonicInstant {
    /// Now, on `CLOCK_MONOTONIC`.
    public static func now() -> MonotonicInstant {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return MonotonicInstant(nanoseconds: UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec))
    }
}

extension HTTPDate {
    /// The current wall-clock time in whole seconds since the Unix epoch.
    public static func nowEpochSeconds() -> Int {
        Int(time(nil))
    }
}
