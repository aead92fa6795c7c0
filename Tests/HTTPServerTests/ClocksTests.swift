import Testing

@testable import HTTPServer

/// The driver's two clocks, the only ones the server reads.
@Suite struct ClocksTests {
    @Test func wallClockIsAfter2024() {
        #expect(HTTPDate.nowEpochSeconds() > 1_704_067_200)
    }

    @Test func monotonicClockDoesNotGoBack() {
        let earlier = MonotonicInstant.now()
        #expect(MonotonicInstant.now() >= earlier)
    }
}
