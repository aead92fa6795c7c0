@testable import HTTP1

extension ConnectionTimeouts {
    /// Distinct round numbers, so a test that checks the wrong deadline fails. No minimum data
    /// rates: `MinimumDataRateTests` covers those.
    static let test = ConnectionTimeouts(
        headerRead: .seconds(10), bodyRead: .seconds(20), idle: .seconds(60), write: .seconds(30), linger: .seconds(2),
        minimumRequestBodyRate: nil, minimumResponseRate: nil)
}

extension ConnectionStateMachine {
    /// A machine accepted at `t0`.
    static func fresh() -> ConnectionStateMachine {
        ConnectionStateMachine(timeouts: .test, acceptedAt: .t0)
    }

    /// A machine that served one keep-alive request and finished writing at `finishedAt`.
    static func idle(finishedAt: Duration = .seconds(1)) -> ConnectionStateMachine {
        var machine = fresh()
        machine.bytesReceived(at: .t0)
        machine.requestReceived()
        _ = machine.responseStarted(at: .at(finishedAt), clientWantsKeepAlive: true)
        _ = machine.responseSent(at: .at(finishedAt))
        return machine
    }
}
