import Testing
import TestSupport

@testable import HTTPServer

extension HTTPServerTests {
    /// Clients that reset their connections disturb nobody else.
    @Suite struct ClientResetTests {
        @Test func clientResetsDoNotDisturbTheServer() async throws {
            let handler = MockHandler()
            try await withTestServer(handler: handler) { server, port in
                // Reset in the middle of a head.
                let partial = try TestClient(port: port)
                try partial.send("GET /echo HTTP/1.1\r\nHo")
                partial.reset()
                // Reset while the handler holds the request; it answers afterwards.
                let held = try TestClient(port: port)
                try held.send(get("/hold"))
                #expect(await eventually { handler.stash.count == 1 })
                held.reset()
                // Reset in the middle of a large response.
                let reading = try TestClient(port: port, receiveBufferSize: 4096)
                try reading.send(get("/large?size=\(16 * 1024 * 1024)"))
                _ = try reading.readSlowly(count: 1000, pieceSize: 1000, timeout: .seconds(10)) {}
                reading.reset()
                // Reset right after sending a complete request.
                let quick = try TestClient(port: port)
                try quick.send(get("/late?ms=50"))
                quick.reset()

                #expect(await eventually { server.statistics.openConnections == 0 })
                handler.stash.respondAll(.text("too late"))
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/echo?still-serving"))
                #expect(try client.readResponse().text == "GET /echo?still-serving")
            }
        }
    }
}
