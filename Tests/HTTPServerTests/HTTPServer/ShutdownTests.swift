import Glibc
import Testing
import TestSupport

@testable import HTTPServer

extension HTTPServerTests {
    /// Graceful shutdown: in-flight requests finish, idle connections close, the deadline is kept.
    @Suite struct ShutdownTests {
        @Test func shutdownOfAServerThatNeverStartedReturns() async {
            let server = HTTPServer(configuration: .test(), handler: MockHandler(), logger: .test)
            await server.shutdown(gracePeriod: .seconds(1))
            await server.waitUntilStopped()
            #expect(server.port == nil)
        }

        @Test func gracefulShutdownFinishesInFlightRequestsAndClosesIdleOnes() async throws {
            let handler = MockHandler()
            let server = HTTPServer(configuration: .test(), handler: handler, logger: .test)
            try server.start()
            let port = try #require(server.port)
            try await shuttingDownOnError(server) {
                let inFlight = try TestClient(port: port)
                defer { inFlight.close() }
                let idle = try TestClient(port: port)
                defer { idle.close() }
                let silent = try TestClient(port: port)
                defer { silent.close() }
                try idle.send(get("/echo"))
                #expect(try idle.readResponse().status == 200)
                try inFlight.send(get("/hold"))
                #expect(await eventually { handler.stash.count == 1 })
                #expect(await eventually { server.statistics.openConnections == 3 })

                let shutdown = Task { await server.shutdown(gracePeriod: .seconds(20)) }
                // Idle and silent connections close at once, and nothing new is accepted.
                #expect(try idle.waitForClose().ending == .endOfFile)
                #expect(try silent.waitForClose().ending == .endOfFile)
                #expect(TestClient.connectError(port: port) == ECONNREFUSED)
                // The request in flight still gets its whole response, which says close.
                let content = MockHandler.pattern(count: 300_000)
                handler.stash.respondAll(HTTPResponse(body: .bytes(content)))
                let response = try inFlight.readResponse()
                #expect(response.status == 200)
                #expect(response.body == content)
                #expect(response.closes)
                #expect(try inFlight.waitForClose().ending == .endOfFile)
                inFlight.close()
                await shutdown.value
            }
            #expect(server.port == nil)
            #expect(ProcessResources.serverSockets(port: port).isEmpty)
        }

        @Test func requestWhoseBodyIsArrivingWhenShutdownBeginsIsStillServed() async throws {
            let server = HTTPServer(configuration: .test(), handler: MockHandler(), logger: .test)
            try server.start()
            let port = try #require(server.port)
            try await shuttingDownOnError(server) {
                let client = try TestClient(port: port)
                defer { client.close() }
                // The interim response proves the server has parsed the head and waits for the body.
                try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
                #expect(try client.readResponse().status == 100)
                let shutdown = Task { await server.shutdown(gracePeriod: .seconds(20)) }
                #expect(await eventually { TestClient.connectError(port: port) == ECONNREFUSED })
                try client.send("hello")
                let response = try client.readResponse()
                #expect(response.text == "hello")
                #expect(response.closes)
                #expect(try client.waitForClose().ending == .endOfFile)
                client.close()
                await shutdown.value
            }
            #expect(server.port == nil)
        }

        @Test func shutdownForceClosesAtTheDeadlineAndLateAnswersGoNowhere() async throws {
            let handler = MockHandler()
            let server = HTTPServer(configuration: .test(), handler: handler, logger: .test)
            try server.start()
            let port = try #require(server.port)
            let client = try TestClient(port: port)
            defer { client.close() }
            try await shuttingDownOnError(server) {
                try client.send(get("/hold"))
                #expect(await eventually { handler.stash.count == 1 })
            }

            // The held request never finishes, so only the deadline can end this shutdown: that it
            // returns is the behaviour. The bound only turns a shutdown that ignored its deadline into
            // a failure instead of a hung run; at 30 times the grace period, load cannot reach it.
            let started = ContinuousClock.now
            await server.shutdown(gracePeriod: .milliseconds(300))
            #expect(ContinuousClock.now - started < .seconds(10))
            let ending = try client.waitForClose()
            #expect(ending.bytes.isEmpty)
            #expect(server.port == nil)
            #expect(ProcessResources.serverSockets(port: port).isEmpty)

            // The loop has closed its descriptors; new ones reuse the lowest numbers. An answer
            // arriving now must not write to them (the loop's old wake-up eventfd number).
            var pipes: [(Int32, Int32)] = []
            defer { pipes.forEach { close($0.0); close($0.1) } }
            for _ in 0..<4 {
                var ends: [Int32] = [0, 0]
                #expect(pipe(&ends) == 0)
                pipes.append((ends[0], ends[1]))
                _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
            }
            handler.stash.respondAll(.text("far too late"))
            for (readEnd, _) in pipes {
                var byte: UInt8 = 0
                #expect(read(readEnd, &byte, 1) == -1, "a late answer wrote into an unrelated descriptor")
            }
        }
    }
}
