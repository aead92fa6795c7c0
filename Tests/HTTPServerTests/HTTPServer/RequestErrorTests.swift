import Testing
import TestSupport

@testable import HTTPServer

extension HTTPServerTests {
    /// Malformed and over-limit requests get their 4xx and the connection closes; the handler hears of them.
    @Suite struct RequestErrorTests {
        @Test(arguments: [
            ("GET / HTTP/1.1\nHost: t\n\n", 400),
            ("GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n", 400),
            ("GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
            ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
            ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
            ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400),
        ])
        func malformedRequestsGetTheirStatusAndClose(request: String, status: Int) async throws {
            try await withTestServer { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(request)
                let response = try client.readResponse()
                #expect(response.status == status)
                #expect(response.closes)
                #expect(!response.text.isEmpty)
                #expect(try client.waitForClose().ending == .endOfFile)
            }
        }

        @Test func bodyOverTheLimitGets413WithoutBeingSent() async throws {
            try await withTestServer({ $0.limits.maxBodySize = 1024 }) { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 413)
                #expect(response.closes)
                #expect(try client.waitForClose().ending == .endOfFile)

                let chunked = try TestClient(port: port)
                defer { chunked.close() }
                try chunked.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" + String(repeating: "a", count: 1024) + "\r\n1\r\n")
                #expect(try chunked.readResponse().status == 413)
            }
        }

        @Test func bodyAfterA413IsDiscardedWithoutAReset() async throws {
            // The client sends the body anyway: lingering reads it, so the close is orderly and the
            // 413 is not destroyed by a reset.
            try await withTestServer({ $0.limits.maxBodySize = 1024 }) { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 200000\r\n\r\n" + String(repeating: "b", count: 200_000))
                #expect(try client.readResponse().status == 413)
                #expect(try client.waitForClose().ending == .endOfFile)
            }
        }

        @Test func limitsOnTheHead() async throws {
            try await withTestServer({
                $0.limits.maxRequestLineLength = 256
                $0.limits.maxHeaderBytes = 1024
                $0.limits.maxHeaderCount = 10
            }) { _, port in
                let cases: [(String, Int)] = [
                    (get("/" + String(repeating: "u", count: 300)), 414),
                    ("GET /" + String(repeating: "u", count: 300), 414),  // before the line even ends
                    (get("/", "X-Big: " + String(repeating: "h", count: 1100) + "\r\n"), 431),
                    (get("/", (0..<11).map { "X-\($0): v\r\n" }.joined()), 431),
                ]
                for (request, status) in cases {
                    let client = try TestClient(port: port)
                    defer { client.close() }
                    try client.send(request)
                    let response = try client.readResponse()
                    #expect(response.status == status)
                    #expect(response.closes)
                }
                // At the limits exactly, all is well.
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/echo", (0..<9).map { "X-\($0): v\r\n" }.joined()))
                #expect(try client.readResponse().status == 200)
            }
        }

        @Test func rejectedRequestsAreReportedToTheHandler() async throws {
            let handler = MockHandler()
            try await withTestServer(handler: handler, { $0.limits.maxRequestLineLength = 64 }) { _, port in
                let malformed = try TestClient(port: port)
                defer { malformed.close() }
                try malformed.send("GET /echo HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n")
                let answer = try malformed.readResponse()
                #expect(answer.status == 400)
                #expect(answer.header("Content-Type") == "text/plain; charset=utf-8")
                #expect(answer.header("X-Content-Type-Options") == "nosniff")
                let tooLong = try TestClient(port: port)
                defer { tooLong.close() }
                try tooLong.send(get("/" + String(repeating: "a", count: 100)))
                #expect(try tooLong.readResponse().status == 414)
                let fine = try TestClient(port: port)
                defer { fine.close() }
                try fine.send(get("/echo"))
                #expect(try fine.readResponse().status == 200)
                let rejections = handler.rejections.all
                #expect(rejections.map(\.error.status.code).sorted() == [400, 414])
                #expect(rejections.allSatisfy { $0.remoteAddress == "127.0.0.1" })
            }
        }
    }
}
