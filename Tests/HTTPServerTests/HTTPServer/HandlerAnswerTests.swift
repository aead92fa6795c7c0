import Testing
import TestSupport

@testable import HTTPServer

extension HTTPServerTests {
    /// How a handler's answer reaches the connection: late, from another thread, twice, or never.
    @Suite struct HandlerAnswerTests {
        @Test func handlerThatNeverAnswersGets500FromTheResponder() async throws {
            try await withTestServer { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/never") + get("/echo?after"))
                let response = try client.readResponse()
                #expect(response.status == 500)
                #expect(!response.text.isEmpty)
                #expect(try client.readResponse().text == "GET /echo?after")
            }
        }

        @Test func manyPipelinedRequestsToAHandlerThatNeverAnswers() async throws {
            // Each dropped responder answers while the connection dispatches the next request; this
            // must neither recurse per request (the stack would overflow) nor reorder.
            let handler = MockHandler()
            try await withTestServer(handler: handler) { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                let count = 1_500
                try client.send(String(repeating: get("/never"), count: count) + get("/echo?last"))
                for _ in 0..<count {
                    let response = try client.readResponse()
                    #expect(response.status == 500)
                    if response.status != 500 { break }
                }
                #expect(try client.readResponse().text == "GET /echo?last")
                #expect(handler.stackProbe.count == count)
                #expect(handler.stackProbe.spread < 64 * 1024, "the handler was called ever deeper in the stack")
            }
        }

        @Test func handlerAnsweringFromAnotherThread() async throws {
            try await withTestServer { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                for _ in 0..<3 {
                    try client.send(get("/late?ms=30"))
                    #expect(try client.readResponse().text == "GET /late?ms=30")
                }
            }
        }

        @Test func secondAnswerIsIgnored() async throws {
            let handler = MockHandler()
            try await withTestServer(handler: handler) { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/hold"))
                #expect(await eventually { handler.stash.count == 1 })
                handler.stash.respondAll(.text("first"), thenAgain: .text("second"))
                try client.send(get("/echo?next"))
                #expect(try client.readResponse().text == "first")
                #expect(try client.readResponse().text == "GET /echo?next")
            }
        }
    }
}
