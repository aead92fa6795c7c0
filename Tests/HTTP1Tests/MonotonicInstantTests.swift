@testable import HTTP1
import Testing

/// Instants are plain numbers: adding, subtracting and the integer shortcuts the hot path takes
/// instead of `Duration` arithmetic agree with `Duration`.
@Suite struct MonotonicInstantTests {
    @Test func addingAndSubtractingDurations() {
        let start = MonotonicInstant(nanoseconds: 5_000_000_000)
        #expect(start + .milliseconds(1500) == MonotonicInstant(nanoseconds: 6_500_000_000))
        #expect(start + .seconds(-3) == start)  // Negative durations count as zero.
        #expect((start + .seconds(2)) - start == .seconds(2))
        #expect(start - (start + .seconds(2)) == .zero)
        #expect(Duration.milliseconds(1500).secondsValue == 1.5)
    }

    @Test(arguments: [(UInt64(5_000_000_123), UInt64(1_000_000_000)), (1, 1), (10, 20), (0, 7_500_000_000)])
    func secondsSinceAgreesWithDuration(later: UInt64, earlier: UInt64) {
        let a = MonotonicInstant(nanoseconds: later)
        let b = MonotonicInstant(nanoseconds: earlier)
        #expect(abs(a.seconds(since: b) - (a - b).secondsValue) < 1e-9)
        #expect(a.adding(nanoseconds: 250) == a + .nanoseconds(250))
    }
}
