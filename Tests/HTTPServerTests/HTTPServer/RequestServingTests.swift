import Testing
import TestSupport

@testable import HTTPServer

extension HTTPServerTests {
    /// Requests answered over a real socket: status, fields and content as the handler gave them, HEAD and the statuses that carry no content.
    @Suite struct RequestServingTests {

        @Test func servesARequestOnAnEphemeralPort() async throws {
            try await withTestServer { server, port in
                #expect(port > 0)
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/echo?x=1"))
                let response = try client.readResponse()
                #expect(response.version == "HTTP/1.1")
                #expect(response.status == 200)
                #expect(response.text == "GET /echo?x=1")
                #expect(response.contentLength == 13)
                #expect(response.header("X-Remote") == "127.0.0.1")
                #expect(response.header("Date").flatMap(HTTPDate.parse) != nil)
                #expect(!response.closes)
                #expect(server.statistics.acceptedConnections == 1)
            }
        }

        @Test func unknownPathsAndHandlerFieldsPassThrough() async throws {
            try await withTestServer { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/nowhere"))
                let response = try client.readResponse()
                #expect(response.status == 404)
                #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            }
        }

        @Test func headGetsTheLengthButNoContent() async throws {
            let file = try TemporaryFile(size: 10_000)
            try await withTestServer(handler: MockHandler(filePath: file.path)) { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/echo", method: "HEAD") + get("/large?size=100000", method: "HEAD") + get("/file?length=5000", method: "HEAD") + get("/echo?after"))
                let echo = try client.readResponse(isHead: true)
                #expect(echo.contentLength == "HEAD /echo".utf8.count)
                #expect(echo.body.isEmpty)
                #expect(try client.readResponse(isHead: true).contentLength == 100_000)
                #expect(try client.readResponse(isHead: true).contentLength == 5_000)
                // Had any content been sent, this would not parse as the next response.
                let after = try client.readResponse()
                #expect(after.status == 200)
                #expect(after.text == "GET /echo?after")
                #expect(await eventually { file.openDescriptorCount == 0 })
            }
        }

        @Test(arguments: [204, 304])
        func statusesWithoutContentSendNone(code: Int) async throws {
            try await withTestServer { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/status?code=\(code)") + get("/echo?after"))
                let response = try client.readResponse()
                #expect(response.status == code)
                #expect(response.header("Content-Length") == nil)
                #expect(try client.readResponse().text == "GET /echo?after")
            }
        }
    }
}
