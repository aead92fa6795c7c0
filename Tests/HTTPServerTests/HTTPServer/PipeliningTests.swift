import Glibc
import Testing
import TestSupport

@testable import HTTPServer

extension HTTPServerTests {
    /// Pipelined requests are answered in order, whenever each answer is ready.
    @Suite struct PipeliningTests {
        @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
            try await withTestServer { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/echo?n=1") + post("/echo", body: "two") + get("/echo?n=3"))
                #expect(try client.readResponse().text == "GET /echo?n=1")
                #expect(try client.readResponse().text == "two")
                #expect(try client.readResponse().text == "GET /echo?n=3")
            }
        }

        @Test func pipelinedRequestsStayInOrderWhenTheFirstIsAnsweredLate() async throws {
            try await withTestServer { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/late?ms=200&n=1") + get("/echo?n=2") + get("/late?ms=10&n=3"))
                #expect(try client.readResponse().text == "GET /late?ms=200&n=1")
                #expect(try client.readResponse().text == "GET /echo?n=2")
                #expect(try client.readResponse().text == "GET /late?ms=10&n=3")
            }
        }

        @Test func pipelinedRequestsBeforeAHalfCloseAreAllAnswered() async throws {
            try await withTestServer { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/late?ms=200&n=1") + get("/echo?n=2") + get("/echo?n=3"))
                client.shutdownWrite()
                #expect(try client.readResponse().text == "GET /late?ms=200&n=1")
                #expect(try client.readResponse().text == "GET /echo?n=2")
                let last = try client.readResponse()
                #expect(last.text == "GET /echo?n=3")
                #expect(last.closes)
                #expect(try client.waitForClose().bytes.isEmpty)
            }
        }

        @Test func manyPipelinedRequestsBeyondTheReadPauseAreAllAnswered() async throws {
            // More than the 64 KiB of buffered input at which reading pauses behind a slow answer.
            try await withTestServer { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                let count = 2_000
                var requests = get("/late?ms=100&n=0")
                for index in 1..<count { requests += get("/echo?n=\(index)") }
                #expect(requests.utf8.count > 64 * 1024)
                try client.send(requests)
                for index in 0..<count {
                    let response = try client.readResponse()
                    #expect(response.text.hasSuffix("?n=\(index)") || response.text.hasSuffix("&n=\(index)"))
                    if response.status != 200 { break }
                }
            }
        }
    }
}
