import Testing
import TestSupport

@testable import HTTPServer

extension HTTPServerTests {
    /// At `maxConnections`: newcomers wait without spinning, and idle keep-alive connections give way.
    @Suite struct ConnectionCapTests {
        @Test func atMaxConnectionsNewcomersWaitWithoutSpinning() async throws {
            try await withTestServer({ $0.maxConnections = 2 }) { server, port in
                let first = try TestClient(port: port)
                defer { first.close() }
                let second = try TestClient(port: port)
                defer { second.close() }
                // Both are busy (a head half sent), not idle: neither gives way to a newcomer.
                for client in [first, second] {
                    try client.send("GET /echo HTTP/1.1\r\n")
                }
                #expect(await eventually { server.statistics.acceptedConnections == 2 })
                let third = try TestClient(port: port)  // The kernel completes the handshake and queues it.
                defer { third.close() }
                try third.send(get("/echo?third"))
                // Nothing is due meanwhile (the busy heads' timeouts are seconds away), so loops that
                // wait are found asleep whenever they are looked at, however loaded the machine; a
                // loop that spins on the pending connection is never asleep.
                var asleep = 0
                for _ in 0..<20 {
                    let states = ThreadStates.of(threadsNamed: "http-loop")
                    if !states.isEmpty && states.allSatisfy({ $0 == "S" }) { asleep += 1 }
                    #expect(try third.staysSilent(for: .milliseconds(20)))
                }
                #expect(asleep >= 10, "the event loops were asleep in \(asleep) of 20 looks")
                #expect(server.statistics.openConnections == 2)
                #expect(server.statistics.acceptedConnections == 2)

                first.close()
                #expect(try third.readResponse().text == "GET /echo?third")
                #expect(server.statistics.acceptedConnections == 3)
            }
        }

        @Test func atMaxConnectionsTheOldestIdleKeepAliveConnectionGivesWayToANewcomer() async throws {
            try await withTestServer({ $0.maxConnections = 2 }) { server, port in
                let first = try TestClient(port: port)
                defer { first.close() }
                let second = try TestClient(port: port)
                defer { second.close() }
                for client in [first, second] {
                    try client.send(get("/echo"))
                    #expect(try client.readResponse().status == 200)
                }
                // Both idle between requests, for up to the idle timeout (60 s): the newcomer is
                // answered now, in a slot the oldest idle connection gave up.
                let third = try TestClient(port: port)
                defer { third.close() }
                try third.send(get("/echo?third"))
                #expect(try third.readResponse().text == "GET /echo?third")
                #expect(try first.waitForClose().ending == .endOfFile)
                try second.send(get("/echo?second"))
                #expect(try second.readResponse().text == "GET /echo?second")
                #expect(server.statistics.openConnections == 2)
            }
        }

        @Test func atMaxConnectionsAnIdleConnectionOnAnotherLoopGivesWayToo() async throws {
            // Two loops, one listener each: a newcomer may wait on the loop without the idle
            // connection. Eight rounds make it all but certain that both cases occur.
            try await withTestServer({ $0.maxConnections = 1; $0.eventLoopCount = 2 }) { server, port in
                var previous: TestClient?
                for round in 0..<8 {
                    let client = try TestClient(port: port)
                    try client.send(get("/echo?round=\(round)"))
                    #expect(try client.readResponse().text == "GET /echo?round=\(round)")
                    if let previous {
                        #expect(try previous.waitForClose().ending == .endOfFile)
                        previous.close()
                    }
                    previous = client
                }
                previous?.close()
                #expect(server.statistics.acceptedConnections == 8)
            }
        }
    }
}
