import Testing

@testable import HTTPServer

@Suite struct ServerStatisticsTests {
    @Test func reservationsStopAtTheLimitAndReleaseFreesASlot() {
        let statistics = ServerStatistics()
        #expect(statistics.reserveConnection(limit: 2))
        #expect(statistics.reserveConnection(limit: 2))
        #expect(!statistics.reserveConnection(limit: 2))
        #expect(statistics.openConnections == 2)
        statistics.releaseConnection()
        #expect(statistics.openConnections == 1)
        #expect(statistics.reserveConnection(limit: 2))
        #expect(!statistics.reserveConnection(limit: 0))
        statistics.connectionAccepted()
        #expect(statistics.acceptedConnections == 1)
    }

    @Test func concurrentReservationsNeverExceedTheLimit() async {
        let statistics = ServerStatistics()
        let granted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 { group.addTask { statistics.reserveConnection(limit: 50) } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(granted == 50)
        #expect(statistics.openConnections == 50)
    }
}
