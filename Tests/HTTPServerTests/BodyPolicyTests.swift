import Testing
import TestSupport

@testable import HTTPServer

/// A route's body policy, applied from the head before any of the body is read.
@Suite struct BodyPolicyTests {
    private static let routeTooLarge = HTTPResponse.text("{\"error\":\"too large\"}\n", status: .contentTooLarge, contentType: "application/json")

    private static func handler(_ policy: BodyPolicy) -> MockHandler {
        var handler = MockHandler()
        handler.bodyPolicy = policy
        return handler
    }

    @Test func bodyAnnouncedOverTheRouteLimitGetsTheRoutes413AndNoContinue() async throws {
        let handler = Self.handler(.accept(maxBytes: 1024, tooLarge: Self.routeTooLarge))
        try await withTestServer(handler: handler) { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\nExpect: 100-continue\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 413, "no 100 Continue for a body the route refuses")
            #expect(response.text == "{\"error\":\"too large\"}\n")
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.closes)
            #expect(handler.answeredByServer.all.map(\.status) == [.contentTooLarge])
        }
    }

    @Test func chunkedBodyPassingTheRouteLimitIsCutThereWithTheRoutes413() async throws {
        let handler = Self.handler(.accept(maxBytes: 16, tooLarge: Self.routeTooLarge))
        try await withTestServer(handler: handler) { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n1\r\nx\r\n")
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.text == "{\"error\":\"too large\"}\n")
            #expect(response.closes)
        }
    }

    @Test func bodyWithinTheRouteLimitIsRead() async throws {
        let handler = Self.handler(.accept(maxBytes: 16, tooLarge: Self.routeTooLarge))
        try await withTestServer(handler: handler) { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 16\r\nExpect: 100-continue\r\n\r\n")
            #expect(try client.readResponse().status == 100)
            try client.send("0123456789abcdef")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "0123456789abcdef")
        }
    }

    @Test func refusedBodyIsAnsweredAtOnceAndNeverRead() async throws {
        let refusal = HTTPResponse.text("no\n", status: .methodNotAllowed)
        let handler = Self.handler(.refuse(refusal))
        try await withTestServer(handler: handler) { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            // The body never comes: the answer must not wait for it.
            try client.send("PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 405)
            #expect(response.closes)
            #expect(handler.answeredByServer.all.first?.request.method == .put)
        }
    }
}
