import Testing
import TestSupport

@testable import HTTPServer

/// The wire rules of RFC 9110/9112 that a review found broken, over real sockets against the
/// real server: what the status is, and whether the connection stays open or closes.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct WireRulesTests {
    /// Sends `request` on a fresh connection and expects `status`, then the server's close.
    private func expectRejected(_ request: String, status: Int, port: Int) throws {
        let client = try TestClient(port: port)
        defer { client.close() }
        try client.send(request)
        let response = try client.readResponse()
        #expect(response.status == status, "\(request.debugDescription)")
        #expect(response.closes)
        #expect(try client.waitForClose().ending == .endOfFile)
    }

    @Test func invalidHostGets400AndClose() async throws {
        try await withTestServer { _, port in
            try expectRejected("GET /echo HTTP/1.1\r\nHost: a b/c@d\r\n\r\n", status: 400, port: port)
            try expectRejected("GET /echo HTTP/1.1\r\nHost: evil.example/x\r\n\r\n", status: 400, port: port)
            try expectRejected("GET /echo HTTP/1.1\r\nUser-Agent: x\r\n\r\n", status: 400, port: port)
            try expectRejected("GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400, port: port)
        }
    }

    @Test func absoluteFormWithEmptyAuthorityIsNotRouted() async throws {
        let handler = MockHandler()
        try await withTestServer(handler: handler) { _, port in
            try expectRejected("GET http:///etc/passwd HTTP/1.1\r\nHost: t\r\n\r\n", status: 400, port: port)
            try expectRejected("GET http://user@t/echo HTTP/1.1\r\nHost: t\r\n\r\n", status: 400, port: port)
            // A valid one is routed by its path.
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send("GET http://example.com:8080/echo?x HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("X-Target") == "http://example.com:8080/echo?x")
        }
        #expect(handler.rejections.all.map(\.error.status.code) == [400, 400])
    }

    @Test func transferCodingOtherThanFinalChunkedGets400AndClose() async throws {
        try await withTestServer { _, port in
            try expectRejected("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nabc", status: 400, port: port)
            try expectRejected(
                "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n3\r\nabc\r\n0\r\n\r\n", status: 400, port: port)
        }
    }

    @Test func unknownCodingBeforeChunkedGets501AndClose() async throws {
        try await withTestServer { _, port in
            try expectRejected(
                "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", status: 501, port: port)
        }
    }

    @Test func numbersWithLeadingZerosAreTheirValue() async throws {
        try await withTestServer { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0000000000000000002\r\n\r\nhi")
            let fixed = try client.readResponse()
            #expect(fixed.status == 200)
            #expect(fixed.text == "hi")
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0000000000000001\r\nx\r\n0000\r\n\r\n")
            let chunked = try client.readResponse()
            #expect(chunked.status == 200)
            #expect(chunked.text == "x")
            #expect(!chunked.closes)
        }
    }

    @Test func postWithoutALengthHasAnEmptyBody() async throws {
        try await withTestServer { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            // What `curl -X POST url` sends; then a second request on the same connection.
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nUser-Agent: curl/8\r\nAccept: */*\r\n\r\nGET /echo HTTP/1.1\r\nHost: t\r\n\r\n")
            let post = try client.readResponse()
            #expect(post.status == 200)
            #expect(post.text == "POST /echo")
            #expect(!post.closes)
            #expect(try client.readResponse().text == "GET /echo")
        }
    }

    @Test func connectIsAnsweredByTheServer() async throws {
        let handler = MockHandler()
        try await withTestServer(handler: handler) { _, port in
            try expectRejected("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", status: 501, port: port)
            try expectRejected("CONNECT / HTTP/1.1\r\nHost: t\r\n\r\n", status: 400, port: port)
        }
        #expect(handler.rejections.all.map(\.error.status.code) == [501, 400])
    }

    @Test func optionsAsteriskIsAnsweredByTheServerWithAllow() async throws {
        let handler = MockHandler()
        try await withTestServer(handler: handler) { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send("OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\nGET /echo HTTP/1.1\r\nHost: t\r\n\r\n")
            let options = try client.readResponse()
            #expect(options.status == 200)
            #expect(options.header("Allow") == "GET, HEAD, OPTIONS")
            #expect(options.header("Content-Length") == "0")
            #expect(!options.closes)
            #expect(try client.readResponse().text == "GET /echo")
            try expectRejected("GET * HTTP/1.1\r\nHost: t\r\n\r\n", status: 400, port: port)
        }
    }

    @Test func chunkExtensionsOutweighingTheDataGet400AndClose() async throws {
        try await withTestServer { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            // 24 one-byte chunks with 1 KiB of extension each: the allowance ends at the 17th.
            let chunk = "1;e=" + String(repeating: "x", count: 1020) + "\r\nx\r\n"
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: chunk, count: 24))
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(response.closes)
            #expect(response.text.contains("chunk framing"))
            _ = try? client.waitForClose()
        }
    }
}
