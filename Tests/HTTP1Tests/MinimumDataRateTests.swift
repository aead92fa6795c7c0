import Testing

@testable import HTTP1

/// Minimum data rates in the connection state machine, with injected instants: no sockets, no
/// sleeping.
@Suite struct MinimumDataRateTests {
    /// 100 bytes/s after a 5 s grace; stall timeouts far away (60 s) so only the rate can fire.
    private static let timeouts = ConnectionTimeouts(
        headerRead: .seconds(10), bodyRead: .seconds(60), idle: .seconds(60), write: .seconds(60), linger: .seconds(2),
        minimumRequestBodyRate: MinimumDataRate(bytesPerSecond: 100, gracePeriod: .seconds(5)),
        minimumResponseRate: MinimumDataRate(bytesPerSecond: 100, gracePeriod: .seconds(5)))

    private func readingBody(at start: Duration = .seconds(1), bufferedBodyBytes: Int = 0) -> ConnectionStateMachine {
        var machine = ConnectionStateMachine(timeouts: Self.timeouts, acceptedAt: .t0)
        machine.bytesReceived(10, at: .t0)
        machine.headReceived(at: .at(start), bufferedBodyBytes: bufferedBodyBytes)
        return machine
    }

    private func writing(at start: Duration = .seconds(1)) -> ConnectionStateMachine {
        var machine = ConnectionStateMachine(timeouts: Self.timeouts, acceptedAt: .t0)
        machine.bytesReceived(10, at: .t0)
        machine.requestReceived()
        _ = machine.responseStarted(at: .at(start), clientWantsKeepAlive: true)
        return machine
    }

    @Test func bodyStallingBelowMinimumRateIsCutOff() {
        // One byte every 4 s: each byte restarts the 60 s stall timeout, but the rate catches it.
        var machine = readingBody()
        for second in stride(from: 2.0, through: 6.0, by: 4) {
            machine.bytesReceived(1, at: .at(.seconds(1 + second)))
        }
        #expect(machine.checkDeadline(at: .at(.seconds(6))) == .none)  // Within the grace period.
        #expect(machine.checkDeadline(at: .at(.seconds(6.1))) == .requestBodyTooSlow)
    }

    @Test func fastStartBuysNoMoreThanTheStallTimeoutOfSlackForABodyTrickle() {
        // 100,000 bytes at once (1,000 s of the rate), then a byte every 20 s: each byte keeps
        // the 60 s stall timeout at bay, and the early speed pays for 60 s of trickling, not 1,000.
        var machine = readingBody()
        machine.bytesReceived(100_000, at: .at(.seconds(2)))
        for second in [22.0, 42, 62] {
            machine.bytesReceived(1, at: .at(.seconds(second)))
        }
        #expect(machine.checkDeadline(at: .at(.seconds(61))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(63))) == .requestBodyTooSlow)
    }

    @Test func fastStartBuysNoMoreThanTheStallTimeoutOfSlackForAResponseTrickle() {
        var machine = writing()
        machine.wroteBytes(4_000_000, at: .at(.seconds(1)))
        machine.sendQueueObserved(unacknowledgedBytes: 4_000_000 - 100_000, at: .at(.seconds(2)))
        for (second, read) in [(22.0, 1), (42, 2), (62, 3)] {
            machine.sendQueueObserved(unacknowledgedBytes: 4_000_000 - 100_000 - read, at: .at(.seconds(second)))
        }
        #expect(machine.checkDeadline(at: .at(.seconds(61))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(63))) == .responseTooSlow)
    }

    @Test func bodyAtTheMinimumRateIsNeverCutOff() {
        var machine = readingBody()
        for second in 1...120 {
            machine.bytesReceived(100, at: .at(.seconds(1 + second)))
            #expect(machine.checkDeadline(at: .at(.seconds(1 + second))) == .none)
        }
    }

    @Test func bodyBytesThatArrivedWithTheHeadCount() {
        let machine = readingBody(bufferedBodyBytes: 700)
        #expect(machine.checkDeadline(at: .at(.seconds(8))) == .none)  // 700 B in 7 s.
        #expect(machine.checkDeadline(at: .at(.seconds(8.1))) == .requestBodyTooSlow)
    }

    @Test func bodyRateCountsFromTheHeadNotFromAccept() {
        // The head took 9 s (within its own deadline); the body's grace starts then.
        let machine = readingBody(at: .seconds(9))
        #expect(machine.checkDeadline(at: .at(.seconds(14))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(14.1))) == .requestBodyTooSlow)
    }

    @Test func bodyStallBeyondTheBodyTimeoutIsStillATimeout() {
        var timeouts = Self.timeouts
        timeouts.bodyRead = .seconds(2)
        var machine = ConnectionStateMachine(timeouts: timeouts, acceptedAt: .t0)
        machine.bytesReceived(10, at: .t0)
        machine.headReceived(at: .at(.seconds(1)), bufferedBodyBytes: 10_000)
        #expect(machine.checkDeadline(at: .at(.seconds(3))) == .sendRequestTimeout)
    }

    @Test func responseReadBelowMinimumRateIsCutOff() {
        var machine = writing()
        machine.wroteBytes(200, at: .at(.seconds(2)))
        machine.wroteBytes(1, at: .at(.seconds(5)))  // Progress restarts the write timeout only.
        machine.sendQueueObserved(unacknowledgedBytes: 0, at: .at(.seconds(5)))  // All of it read.
        #expect(machine.checkDeadline(at: .at(.seconds(6))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(6.1))) == .responseTooSlow)
    }

    @Test func responseBytesCountWhenAcknowledgedNotWhenBuffered() {
        // The kernel took 4 MB into its send buffer at once, but the client has read 300 bytes.
        var machine = writing()
        machine.wroteBytes(4_000_000, at: .at(.seconds(1)))
        machine.sendQueueObserved(unacknowledgedBytes: 4_000_000 - 300, at: .at(.seconds(3)))
        #expect(machine.transfer?.delivered == 300)
        #expect(machine.checkDeadline(at: .at(.seconds(6))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(6.1))) == .responseTooSlow)
    }

    @Test func acknowledgementsAreProgressForTheWriteTimeout() {
        // The send buffer is too full to write, but the client reads: no write stall.
        var machine = writing()
        machine.wroteBytes(4_000_000, at: .at(.seconds(1)))
        #expect(machine.transfer?.delivered == 0)
        machine.sendQueueObserved(unacknowledgedBytes: 3_000_000, at: .at(.seconds(50)))
        #expect(machine.transfer?.delivered == 1_000_000)
        #expect(machine.state == .writing(lastProgress: .at(.seconds(50)), closeAfter: false))
        machine.sendQueueObserved(unacknowledgedBytes: 3_000_000, at: .at(.seconds(55)))  // No change: no progress.
        #expect(machine.state == .writing(lastProgress: .at(.seconds(50)), closeAfter: false))
    }

    @Test func responseReadAtTheMinimumRateIsNeverCutOff() {
        var machine = writing()
        for second in 1...120 {
            machine.wroteBytes(100, at: .at(.seconds(1 + second)))
            machine.sendQueueObserved(unacknowledgedBytes: 0, at: .at(.seconds(1 + second)))
            #expect(machine.checkDeadline(at: .at(.seconds(1 + second))) == .none)
        }
    }

    @Test func eachResponseStartsItsOwnGracePeriod() {
        var machine = writing()
        machine.wroteBytes(50_000, at: .at(.seconds(2)))
        #expect(machine.responseSent(at: .at(.seconds(2))) == .readNextRequest)
        #expect(machine.transfer == nil)
        machine.bytesReceived(10, at: .at(.seconds(30)))
        machine.requestReceived()
        _ = machine.responseStarted(at: .at(.seconds(31)), clientWantsKeepAlive: true)
        #expect(machine.checkDeadline(at: .at(.seconds(36))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(36.1))) == .responseTooSlow)
    }

    @Test func noRateMeansOnlyTheStallTimeoutsApply() {
        var timeouts = Self.timeouts
        timeouts.minimumRequestBodyRate = nil
        timeouts.minimumResponseRate = nil
        var machine = ConnectionStateMachine(timeouts: timeouts, acceptedAt: .t0)
        machine.bytesReceived(10, at: .t0)
        machine.headReceived(at: .at(.seconds(1)))
        #expect(machine.checkDeadline(at: .at(.seconds(60))) == .none)
        machine.requestReceived()
        _ = machine.responseStarted(at: .at(.seconds(61)), clientWantsKeepAlive: true)
        #expect(machine.checkDeadline(at: .at(.seconds(120))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(121))) == .close)
    }

    @Test func headDeadlineIsNotRestartedByTrickledBytes() {
        var machine = ConnectionStateMachine(timeouts: Self.timeouts, acceptedAt: .t0)
        for second in 1...9 { machine.bytesReceived(1, at: .at(.seconds(second))) }
        #expect(machine.checkDeadline(at: .at(.seconds(9.9))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(10))) == .sendRequestTimeout)
    }

    @Test func checkPeriodIsAtMostAQuarterOfTheGrace() {
        var timeouts = ConnectionTimeouts()
        #expect(timeouts.shortest == .seconds(2))  // The linger timeout.
        timeouts.minimumResponseRate = MinimumDataRate(bytesPerSecond: 1000, gracePeriod: .milliseconds(400))
        #expect(timeouts.shortest == .milliseconds(400))
    }

    @Test func defaultsAreKestrels() {
        let timeouts = ConnectionTimeouts()
        #expect(timeouts.minimumRequestBodyRate == MinimumDataRate(bytesPerSecond: 240, gracePeriod: .seconds(5)))
        #expect(timeouts.minimumResponseRate == MinimumDataRate(bytesPerSecond: 240, gracePeriod: .seconds(5)))
    }
}
