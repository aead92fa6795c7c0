import Testing

@testable import HTTP1

@Suite struct ConnectionStateMachineTests {
    // MARK: - Header read

    @Test func freshConnectionThatSendsNothingIsClosedSilently() {
        let machine = ConnectionStateMachine.fresh()
        #expect(machine.state == .readingHead(since: .t0, hasBytes: false))
        #expect(machine.checkDeadline(at: .t0) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(10) - .nanoseconds(1))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(10))) == .close)
        #expect(machine.checkDeadline(at: .at(.seconds(100))) == .close)
    }

    @Test func partialHeadTimesOutWith408CountedFromAccept() {
        var machine = ConnectionStateMachine.fresh()
        machine.bytesReceived(at: .at(.seconds(3)))
        machine.bytesReceived(at: .at(.seconds(9)))  // More bytes do not extend the deadline (slowloris).
        #expect(machine.state == .readingHead(since: .t0, hasBytes: true))
        #expect(machine.checkDeadline(at: .at(.seconds(9.9))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(10))) == .sendRequestTimeout)
    }

    @Test func nextRequestHeadDeadlineCountsFromItsFirstByte() {
        var machine = ConnectionStateMachine.idle(finishedAt: .seconds(1))
        machine.bytesReceived(at: .at(.seconds(30)))
        #expect(machine.state == .readingHead(since: .at(.seconds(30)), hasBytes: true))
        #expect(machine.checkDeadline(at: .at(.seconds(39))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(40))) == .sendRequestTimeout)
    }

    // MARK: - Body read

    @Test func bodyReadDeadlineMovesWithProgress() {
        var machine = ConnectionStateMachine.fresh()
        machine.bytesReceived(at: .at(.seconds(1)))
        machine.headReceived(at: .at(.seconds(2)))
        #expect(machine.state == .readingBody(lastProgress: .at(.seconds(2))))
        #expect(machine.checkDeadline(at: .at(.seconds(21))) == .none)
        machine.bytesReceived(at: .at(.seconds(21)))
        #expect(machine.checkDeadline(at: .at(.seconds(40))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(41))) == .sendRequestTimeout)
    }

    // MARK: - Processing

    @Test func processingHasNoDeadline() {
        var machine = ConnectionStateMachine.fresh()
        machine.bytesReceived(at: .t0)
        machine.requestReceived()
        #expect(machine.state == .processing)
        #expect(!machine.canParseRequest)
        #expect(!machine.isQuiescent)
        #expect(machine.checkDeadline(at: .at(.seconds(86_400))) == .none)
        machine.bytesReceived(at: .at(.seconds(5)))  // Pipelined input changes nothing.
        #expect(machine.state == .processing)
    }

    // MARK: - Writing

    @Test func writeDeadlineMovesWithProgress() {
        var machine = ConnectionStateMachine.fresh()
        machine.requestReceived()
        let result1 = machine.responseStarted(at: .at(.seconds(1)), clientWantsKeepAlive: true)
        #expect(result1)
        #expect(machine.state == .writing(lastProgress: .at(.seconds(1)), closeAfter: false))
        #expect(machine.checkDeadline(at: .at(.seconds(30))) == .none)
        machine.wroteBytes(at: .at(.seconds(30)))
        #expect(machine.checkDeadline(at: .at(.seconds(59))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(60))) == .close)
        machine.bytesReceived(at: .at(.seconds(59)))  // Input while writing does not count as progress.
        #expect(machine.checkDeadline(at: .at(.seconds(60))) == .close)
    }

    @Test func wroteBytesOutsideWritingIsIgnored() {
        var machine = ConnectionStateMachine.fresh()
        machine.wroteBytes(at: .at(.seconds(1)))
        #expect(machine.state == .readingHead(since: .t0, hasBytes: false))
    }

    // MARK: - After the response

    @Test func keepAliveGoesIdleAndIdleTimesOutSilently() {
        var machine = ConnectionStateMachine.fresh()
        machine.requestReceived()
        let result2 = machine.responseStarted(at: .at(.seconds(1)), clientWantsKeepAlive: true)
        #expect(result2)
        let result3 = machine.responseSent(at: .at(.seconds(2)))
        #expect(result3 == .readNextRequest)
        #expect(machine.state == .idle(since: .at(.seconds(2))))
        #expect(machine.canParseRequest)
        #expect(machine.isQuiescent)
        #expect(machine.checkDeadline(at: .at(.seconds(61))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(62))) == .close)
    }

    @Test func closeAfterResponseLingersThenTimesOut() {
        var machine = ConnectionStateMachine.fresh()
        machine.requestReceived()
        let result4 = machine.responseStarted(at: .at(.seconds(1)), clientWantsKeepAlive: false)
        #expect(!result4)
        #expect(machine.state == .writing(lastProgress: .at(.seconds(1)), closeAfter: true))
        let result5 = machine.responseSent(at: .at(.seconds(2)))
        #expect(result5 == .linger)
        #expect(machine.state == .lingering(since: .at(.seconds(2))))
        #expect(!machine.canParseRequest)
        machine.bytesReceived(at: .at(.seconds(3)))  // Discarded input does not extend lingering.
        #expect(machine.checkDeadline(at: .at(.seconds(3.9))) == .none)
        #expect(machine.checkDeadline(at: .at(.seconds(4))) == .close)
    }

    @Test func closeAfterResponseClosesAtOnceWhenTheClientCannotSendMore() {
        var machine = ConnectionStateMachine.fresh()
        machine.requestReceived()
        let keepAlive = machine.responseStarted(at: .at(.seconds(1)), clientWantsKeepAlive: false)
        #expect(!keepAlive)
        let after = machine.responseSent(at: .at(.seconds(2)), clientMaySendMore: false)
        #expect(after == .close)
    }

    @Test func keepAliveIgnoresWhetherTheClientMaySendMore() {
        var machine = ConnectionStateMachine.fresh()
        machine.requestReceived()
        let keepAlive = machine.responseStarted(at: .at(.seconds(1)), clientWantsKeepAlive: true)
        #expect(keepAlive)
        let after = machine.responseSent(at: .at(.seconds(2)), clientMaySendMore: false)
        #expect(after == .readNextRequest)
    }

    @Test func responseSentWithoutAResponseCloses() {
        var machine = ConnectionStateMachine.fresh()
        let result6 = machine.responseSent(at: .t0)
        #expect(result6 == .close)
    }

    @Test func errorResponseWhileReadingAHeadClosesAfter() {
        var machine = ConnectionStateMachine.fresh()
        machine.bytesReceived(at: .t0)
        let result7 = machine.responseStarted(at: .at(.seconds(1)), clientWantsKeepAlive: false)
        #expect(!result7)
        let result8 = machine.responseSent(at: .at(.seconds(1)))
        #expect(result8 == .linger)
    }

    // MARK: - Draining

    @Test(arguments: [
        ("fresh, nothing sent", ConnectionStateMachine.fresh(), true),
        ("idle keep-alive", ConnectionStateMachine.idle(), true),
        ("partial head", { var m = ConnectionStateMachine.fresh(); m.bytesReceived(at: .t0); return m }(), false),
        ("reading a body", { var m = ConnectionStateMachine.fresh(); m.headReceived(at: .t0); return m }(), false),
        ("processing", { var m = ConnectionStateMachine.fresh(); m.requestReceived(); return m }(), false),
        (
            "writing",
            { var m = ConnectionStateMachine.fresh(); m.requestReceived(); _ = m.responseStarted(at: .t0, clientWantsKeepAlive: true); return m }(),
            false
        ),
    ] as [(String, ConnectionStateMachine, Bool)])
    func shutdownClosesOnlyQuiescentConnections(name: String, machine: ConnectionStateMachine, closesNow: Bool) {
        var machine = machine
        let result9 = machine.shutdownRequested()
        #expect(result9 == closesNow, "\(name)")
        #expect(machine.isDraining)
    }

    @Test func responsesWhileDrainingSayClose() {
        var machine = ConnectionStateMachine.fresh()
        machine.bytesReceived(at: .t0)
        machine.requestReceived()
        let result10 = machine.shutdownRequested()
        #expect(!result10)
        let result11 = machine.responseStarted(at: .at(.seconds(1)), clientWantsKeepAlive: true)
        #expect(!result11)
        let result12 = machine.responseSent(at: .at(.seconds(1)))
        #expect(result12 == .linger)
    }

    @Test func keepAliveResponseInFlightWhenDrainingStartsClosesWhenItCompletes() {
        var machine = ConnectionStateMachine.fresh()
        machine.bytesReceived(at: .t0)
        machine.requestReceived()
        let keepAlive = machine.responseStarted(at: .at(.seconds(1)), clientWantsKeepAlive: true)
        #expect(keepAlive)
        let closesNow = machine.shutdownRequested()
        #expect(!closesNow)
        let after = machine.responseSent(at: .at(.seconds(2)))
        #expect(after == .close)
        #expect(machine.state == .closed)
    }

    @Test func requestAlreadyInProgressWhenDrainingStartsStillCompletes() {
        var machine = ConnectionStateMachine.fresh()
        machine.bytesReceived(at: .t0)
        let result13 = machine.shutdownRequested()
        #expect(!result13)
        #expect(machine.canParseRequest)
        machine.requestReceived()
        let result14 = machine.responseStarted(at: .at(.seconds(1)), clientWantsKeepAlive: true)
        #expect(!result14)
    }

    // MARK: - Closed

    @Test func closedHasNoDeadlineAndParsesNothing() {
        var machine = ConnectionStateMachine.idle()
        machine.closed()
        #expect(machine.state == .closed)
        #expect(!machine.canParseRequest)
        #expect(machine.isQuiescent)
        #expect(machine.checkDeadline(at: .at(.seconds(1_000_000))) == .none)
        machine.bytesReceived(at: .at(.seconds(1)))
        #expect(machine.state == .closed)
    }

    @Test func tickIntervalFollowsTheShortestTimeout() {
        #expect(ConnectionTimeouts.test.shortest == .seconds(2))
        #expect(ConnectionTimeouts(headerRead: .milliseconds(200)).shortest == .milliseconds(200))
    }
}
