import Synchronization
import Testing

@testable import HTTPServer

@Suite struct HTTPHandlerTests {
    /// Collects what a responder delivers.
    final class Deliveries: Sendable {
        private let statuses = Mutex<[Int]>([])
        var received: [Int] { statuses.withLock { $0 } }

        func responder() -> HTTPResponder {
            HTTPResponder { response in self.statuses.withLock { $0.append(response.status.code) } }
        }
    }

    @Test func firstResponseWinsAndLaterOnesAreIgnored() {
        let deliveries = Deliveries()
        do {
            let responder = deliveries.responder()
            responder.write(.text("a", status: .created))
            responder.write(.text("b", status: .ok))
        }
        #expect(deliveries.received == [201])
    }

    @Test func droppedResponderAnswers500Once() {
        let deliveries = Deliveries()
        do {
            _ = deliveries.responder()
        }
        #expect(deliveries.received == [500])
    }

    @Test func writingFromManyThreadsDeliversOnce() async {
        let deliveries = Deliveries()
        do {
            let responder = deliveries.responder()
            await withTaskGroup(of: Void.self) { group in
                for code in 200..<232 {
                    group.addTask { responder.write(HTTPResponse(status: HTTPStatus(code: code, reasonPhrase: "X"))) }
                }
            }
        }
        #expect(deliveries.received.count == 1)
    }

    @Test func handlerCanBeCalledWithoutAServer() async {
        let response = await MockHandler().response(to: HTTPRequest(method: .post, target: "/echo?q", body: Array("hi".utf8)))
        #expect(response.status == .ok)
        #expect(response.headers["X-Method"] == "POST")
        guard case .bytes(let body) = response.body else {
            Issue.record("expected bytes")
            return
        }
        #expect(body == Array("hi".utf8))
        let never = await MockHandler().response(to: HTTPRequest(method: .get, target: "/never"))
        #expect(never.status == .internalServerError)
        let late = await MockHandler().response(to: HTTPRequest(method: .get, target: "/late?ms=5"))
        #expect(late.status == .ok)
    }

    @Test func responseHelpers() {
        let text = HTTPResponse.text("héllo", status: .notFound, contentType: "text/html")
        #expect(text.status == .notFound)
        #expect(text.headers["content-type"] == "text/html")
        #expect(text.body.count == 6)
        #expect(ResponseBody.empty.count == 0)
        #expect(HTTPStatus.noContent.forbidsContent)
        #expect(HTTPStatus.notModified.forbidsContent)
        #expect(HTTPStatus.continue.forbidsContent)
        #expect(!HTTPStatus.ok.forbidsContent)
        #expect("\(HTTPStatus.notFound)" == "404 Not Found")
        #expect("\(HTTPError(.badRequest, "why"))" == "400 why")
        #expect("\(HTTPVersion.http1_0)" == "HTTP/1.0")
        #expect(HTTPMethod(rawValue: "get") != .get)  // Methods are case-sensitive.
    }
}
