import Testing
import TestSupport

@testable import HTTPServer

extension HTTPServerTests {
    /// `Expect: 100-continue`: the interim response, when it is due and when it is not.
    @Suite struct ExpectContinueTests {
        @Test func expectContinueGetsAnInterimResponseBeforeTheBody() async throws {
            try await withTestServer { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
                let interim = try client.readResponse()
                #expect(interim.status == 100)
                try client.send("hello")
                let final = try client.readResponse()
                #expect(final.status == 200)
                #expect(final.text == "hello")
            }
        }

        @Test func expectContinueWithTheBodyAlreadySentGetsNoInterimResponse() async throws {
            try await withTestServer { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(post("/echo", body: "hello", "Expect: 100-continue\r\n"))
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "hello")
            }
        }

        @Test func unsupportedExpectationGets417AndClose() async throws {
            try await withTestServer { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(post("/echo", body: "x", "Expect: 200-ok\r\n"))
                let response = try client.readResponse()
                #expect(response.status == 417)
                #expect(response.closes)
                #expect(try client.waitForClose().ending == .endOfFile)
            }
        }
    }
}
