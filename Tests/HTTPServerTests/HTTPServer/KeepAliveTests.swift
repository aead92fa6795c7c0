import Testing
import TestSupport

@testable import HTTPServer

extension HTTPServerTests {
    /// Persistent connections: several requests on one, HTTP/1.0's opt-in, `Connection: close`.
    @Suite struct KeepAliveTests {
        @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
            try await withTestServer { server, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                for index in 0..<5 {
                    try client.send(get("/echo?n=\(index)"))
                    #expect(try client.readResponse().text == "GET /echo?n=\(index)")
                }
                try client.send(post("/echo", body: "posted"))
                #expect(try client.readResponse().text == "posted")
                try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: 1\r\n\r\n")
                let chunked = try client.readResponse()
                #expect(chunked.text == "abcde")
                #expect(!chunked.closes)
                #expect(server.statistics.acceptedConnections == 1)
                #expect(server.statistics.openConnections == 1)
            }
        }

        @Test func http10ClosesUnlessItAsksForKeepAlive() async throws {
            try await withTestServer { _, port in
                let plain = try TestClient(port: port)
                defer { plain.close() }
                try plain.send("GET /echo HTTP/1.0\r\n\r\n")
                let response = try plain.readResponse()
                #expect(response.status == 200)
                #expect(response.header("X-Version") == "HTTP/1.0")
                #expect(response.closes)
                #expect(try plain.waitForClose().ending == .endOfFile)

                let keepAlive = try TestClient(port: port)
                defer { keepAlive.close() }
                for _ in 0..<3 {
                    try keepAlive.send("GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                    let response = try keepAlive.readResponse()
                    #expect(response.status == 200)
                    #expect(response.header("Connection")?.lowercased() == "keep-alive")
                }
            }
        }

        @Test func connectionCloseIsHonouredAndLaterPipelinedRequestsAreIgnored() async throws {
            try await withTestServer { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/echo?n=1", "Connection: close\r\n") + get("/echo?n=2"))
                let response = try client.readResponse()
                #expect(response.text == "GET /echo?n=1")
                #expect(response.closes)
                let ending = try client.waitForClose()
                #expect(ending.ending == .endOfFile)
                #expect(ending.bytes.isEmpty)
            }
        }
    }
}
