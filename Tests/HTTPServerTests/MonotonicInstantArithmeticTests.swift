@testable import HTTPServer
import Testing

/// The integer shortcuts the hot path takes instead of `Duration` arithmetic agree with it.
@Suite struct MonotonicInstantArithmeticTests {
    @Test(arguments: [(UInt64(5_000_000_123), UInt64(1_000_000_000)), (1, 1), (10, 20), (0, 7_500_000_000)])
    func secondsSinceAgreesWithDuration(later: UInt64, earlier: UInt64) {
        let a = MonotonicInstant(nanoseconds: later)
        let b = MonotonicInstant(nanoseconds: earlier)
        #expect(abs(a.seconds(since: b) - (a - b).secondsValue) < 1e-9)
        #expect(a.adding(nanoseconds: 250) == a + .nanoseconds(250))
    }
}
