import Testing
import TestSupport

@testable import HTTPServer

/// Lingering close (RFC 9112 §9.6): after a final response with `Connection: close`, the server
/// keeps reading and discarding what the client still sends, so that unread input does not turn
/// the close into a reset that can destroy the response before the client reads it.
@Suite struct LingeringCloseTests {
    @Test func lingeringDrainsInputThatArrivedWhileReadsWerePaused() async throws {
        // A long linger, so only draining (not the timeout) can end the connection in time.
        try await withTestServer({ $0.timeouts.linger = .seconds(60) }) { server, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            // An asynchronous route holds the response while ~200 KiB of pipelined bytes arrive:
            // more than the pipelining high-water mark, so the server pauses reading.
            let request = "GET /late?ms=200 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
            let pipelined = [UInt8](repeating: UInt8(ascii: "x"), count: 200 * 1024)
            try client.send(Array(request.utf8) + pipelined)
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.closes)
            #expect(response.text == "GET /late?ms=200")
            // The client keeps sending (several megabytes: more than the socket buffers hold), and
            // every byte is taken: the server is still reading, and discarding.
            let more = [UInt8](repeating: UInt8(ascii: "y"), count: 64 * 1024)
            for _ in 0..<64 { try client.send(more) }
            client.shutdownWrite()
            // An orderly end of stream after the whole response, never a reset.
            let ending = try client.waitForClose()
            #expect(ending.ending == .endOfFile)
            #expect(ending.bytes.isEmpty)
            #expect(await eventually { server.statistics.openConnections == 0 })
        }
    }
}
