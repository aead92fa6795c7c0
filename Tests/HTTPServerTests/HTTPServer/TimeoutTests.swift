import Testing
import TestSupport

@testable import HTTPServer

extension HTTPServerTests {
    /// Every connection has deadlines: silent, partial heads, stalled bodies, idle keep-alive, lingering, writes.
    @Suite struct TimeoutTests {
        @Test func silentConnectionIsClosedWithoutAWord() async throws {
            try await withTestServer({ $0.timeouts.headerRead = .milliseconds(200) }) { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                let ending = try client.waitForClose()
                #expect(ending.ending == .endOfFile)
                #expect(ending.bytes.isEmpty)
            }
        }

        @Test func partialHeadGets408ThenClose() async throws {
            try await withTestServer({ $0.timeouts.headerRead = .milliseconds(200) }) { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send("GET /echo HTTP/1.1\r\nHost: t\r\n")
                let response = try client.readResponse()
                #expect(response.status == 408)
                #expect(response.closes)
                #expect(try client.waitForClose().ending == .endOfFile)
            }
        }

        @Test func stalledBodyGets408() async throws {
            try await withTestServer({ $0.timeouts.bodyRead = .milliseconds(200) }) { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
                let response = try client.readResponse()
                #expect(response.status == 408)
                #expect(response.closes)
                #expect(try client.waitForClose().ending == .endOfFile)
            }
        }

        @Test func idleKeepAliveConnectionIsClosed() async throws {
            try await withTestServer({ $0.timeouts.idle = .milliseconds(200) }) { server, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/echo"))
                #expect(try client.readResponse().status == 200)
                let ending = try client.waitForClose()
                #expect(ending.ending == .endOfFile)
                #expect(ending.bytes.isEmpty)
                #expect(await eventually { server.statistics.openConnections == 0 })
            }
        }

        @Test func partialPipelinedRequestAfterAResponseGets408() async throws {
            // The next request's first bytes arrived with the previous one: the header-read deadline
            // applies to them (408), not the idle one (a silent close, here after 30 s).
            try await withTestServer({
                $0.timeouts.headerRead = .milliseconds(300)
                $0.timeouts.idle = .seconds(30)
            }) { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/echo?n=1") + "GET /echo?n=2 HTTP/1.1\r\nHo")
                #expect(try client.readResponse().text == "GET /echo?n=1")
                let timeout = try client.readResponse()
                #expect(timeout.status == 408)
                #expect(timeout.closes)
            }
        }

        @Test func lingeringEndsAtItsTimeoutEvenIfTheClientStaysOpen() async throws {
            try await withTestServer({ $0.timeouts.linger = .seconds(1) }) { server, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                // A server-side close (here after a malformed request) lingers: the client may still
                // be sending, and closing with unread input would reset the connection.
                try client.send("GET /echo HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 400)
                #expect(response.closes)
                #expect(try client.waitForClose().ending == .endOfFile)  // Our side was shut at once.
                #expect(server.statistics.openConnections == 1)  // Still reading, until the timeout.
                // The client never closes; the server still lets go of the connection.
                #expect(await eventually { server.statistics.openConnections == 0 })
            }
        }

        @Test func clientThatAskedToCloseIsClosedAtOnceWithoutLingering() async throws {
            try await withTestServer({ $0.timeouts.linger = .seconds(30) }) { server, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/echo", "Connection: close\r\n"))
                #expect(try client.readResponse().closes)
                #expect(try client.waitForClose().ending == .endOfFile)
                // The client has not closed its side, yet the server has let go: no 30 s linger.
                #expect(await eventually { server.statistics.openConnections == 0 })
            }
        }

        @Test func readerThatStopsReadingIsDroppedAtTheWriteTimeout() async throws {
            try await withTestServer({ $0.timeouts.write = .milliseconds(300) }) { server, port in
                let client = try TestClient(port: port, receiveBufferSize: 4096)
                defer { client.close() }
                try client.send(get("/large?size=\(32 * 1024 * 1024)"))
                #expect(await eventually { server.statistics.openConnections == 0 })
            }
        }
    }
}
