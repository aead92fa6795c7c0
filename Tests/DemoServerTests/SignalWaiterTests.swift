import Foundation
import Testing
import TestSupport

/// The stop signals, as the real binary takes them: at any moment of start-up, each of the four,
/// and the drain that follows.
@Suite struct SignalWaiterTests {
    @Test func aStopSignalAtAnyMomentOfStartUpIsACleanStop() throws {
        let signals = [SIGTERM, SIGINT, SIGHUP, SIGQUIT]
        for attempt in 0..<40 {
            let server = try ServerProcess()
            defer { server.cleanUp() }
            try server.launchServe()
            // From the moment `serve` has blocked the signals (its first act), any signal must end
            // in exit 0. Before that the process is still loading, outside the program's reach.
            // Loading a debug binary can take seconds on a busy machine or a cold page cache (the
            // first run after a build): the bound is generous, and polling every millisecond keeps
            // the signal's moment early in start-up.
            var blocked = false
            let deadline = ContinuousClock.now + .seconds(60)
            while server.process.isRunning, ContinuousClock.now < deadline {
                if server.blocksSignal(SIGTERM) {
                    blocked = true
                    break
                }
                usleep(1_000)
            }
            #expect(blocked, "attempt \(attempt): the stop signals were never blocked")
            guard blocked else { continue }
            // Spreads the signal over start-up (opening the store, binding, starting the loops):
            // the point of the test, not a synchronisation.
            usleep(UInt32(attempt % 20) * 3_000)
            let signal = signals[attempt % signals.count]
            let status = server.stop(signal: signal, timeout: 30)
            #expect(status == 0, "attempt \(attempt), signal \(signal) after \((attempt % 20) * 3) ms: \(server.standardError)")
        }
    }

    @Test(arguments: [SIGHUP, SIGQUIT])
    func hangUpAndQuitDrainLikeTerminate(signal: Int32) throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        #expect(try TestClient.get(port: server.port, "/basic").status == 200)
        #expect(server.stop(signal: signal) == 0)
        #expect(server.standardOutput.contains("draining"))
        #expect(server.standardOutput.contains("stopped cleanly"))
    }
}
