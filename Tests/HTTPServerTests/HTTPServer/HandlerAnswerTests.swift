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

        /// The connection reuses a responder the handler let go of; one a handler keeps (answered
        /// later from another thread, or held) is never handed to the next request.
        @Test func pipelinedAnswersStayWithTheirRequestsWhenRespondersAreReused() async throws {
            let handler = MockHandler()
            try await withTestServer(handler: handler) { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(
                    get("/echo?1") + get("/never") + get("/echo?2") + get("/late?ms=20") + get("/echo?3") + get("/hold")
                        + get("/echo?4"))
                #expect(try client.readResponse().text == "GET /echo?1")
                #expect(try client.readResponse().status == 500)
                #expect(try client.readResponse().text == "GET /echo?2")
                #expect(try client.readResponse().text == "GET /late?ms=20")
                #expect(try client.readResponse().text == "GET /echo?3")
                #expect(await eventually { handler.stash.count == 1 })
                handler.stash.respondAll(.text("held"), thenAgain: .text("again"))
                #expect(try client.readResponse().text == "held")
                #expect(try client.readResponse().text == "GET /echo?4")
                try client.send(get("/never") + get("/echo?5"))
                #expect(try client.readResponse().status == 500)
                #expect(try client.readResponse().text == "GET /echo?5")
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
