#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import TestSupport

@testable import HTTPServer

/// A request head with a Host field; `fields` are extra lines, each ending in CRLF.
func get(_ target: String, _ fields: String = "", method: String = "GET", version: String = "HTTP/1.1") -> String {
    "\(method) \(target) \(version)\r\nHost: test\r\n\(fields)\r\n"
}

/// A POST with a Content-Length body.
func post(_ target: String, body: String, _ fields: String = "") -> String {
    "POST \(target) HTTP/1.1\r\nHost: test\r\nContent-Length: \(body.utf8.count)\r\n\(fields)\r\n\(body)"
}

/// The live server over real sockets on the loopback. Serialized: several tests count the
/// process's descriptors and the event loop's CPU time, which a concurrent server would disturb.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct HTTPServerTests {
    // MARK: - Basics

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

    // MARK: - Pipelining

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

    // MARK: - Connection management

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

    // MARK: - Expect: 100-continue

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

    // MARK: - Errors and limits

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

    // MARK: - Handlers

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

    // MARK: - Timeouts

    @Test func silentConnectionIsClosedWithoutAWord() async throws {
        try await withTestServer({ $0.timeouts.headerRead = .milliseconds(200) }) { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            let ending = try client.waitForClose()
            #expect(ending.ending == .endOfFile)
            #expect(ending.bytes.isEmpty)
        }
    }

    @Test func partialHeadGets408ThenClose() async throws {
        try await withTestServer({ $0.timeouts.headerRead = .milliseconds(200) }) { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send("GET /echo HTTP/1.1\r\nHost: t\r\n")
            let response = try client.readResponse()
            #expect(response.status == 408)
            #expect(response.closes)
            #expect(try client.waitForClose().ending == .endOfFile)
        }
    }

    @Test func stalledBodyGets408() async throws {
        try await withTestServer({ $0.timeouts.bodyRead = .milliseconds(200) }) { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
            let response = try client.readResponse()
            #expect(response.status == 408)
            #expect(response.closes)
            #expect(try client.waitForClose().ending == .endOfFile)
        }
    }

    @Test func idleKeepAliveConnectionIsClosed() async throws {
        try await withTestServer({ $0.timeouts.idle = .milliseconds(200) }) { server, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send(get("/echo"))
            #expect(try client.readResponse().status == 200)
            let ending = try client.waitForClose()
            #expect(ending.ending == .endOfFile)
            #expect(ending.bytes.isEmpty)
            #expect(await eventually { server.statistics.openConnections == 0 })
        }
    }

    @Test func partialPipelinedRequestAfterAResponseGets408() async throws {
        // The next request's first bytes arrived with the previous one: the header-read deadline
        // applies to them (408), not the idle one (a silent close, here after 30 s).
        try await withTestServer({
            $0.timeouts.headerRead = .milliseconds(300)
            $0.timeouts.idle = .seconds(30)
        }) { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send(get("/echo?n=1") + "GET /echo?n=2 HTTP/1.1\r\nHo")
            #expect(try client.readResponse().text == "GET /echo?n=1")
            let timeout = try client.readResponse()
            #expect(timeout.status == 408)
            #expect(timeout.closes)
        }
    }

    @Test func lingeringEndsAtItsTimeoutEvenIfTheClientStaysOpen() async throws {
        try await withTestServer({ $0.timeouts.linger = .seconds(1) }) { server, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            // A server-side close (here after a malformed request) lingers: the client may still
            // be sending, and closing with unread input would reset the connection.
            try client.send("GET /echo HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(response.closes)
            #expect(try client.waitForClose().ending == .endOfFile)  // Our side was shut at once.
            #expect(server.statistics.openConnections == 1)  // Still reading, until the timeout.
            // The client never closes; the server still lets go of the connection.
            #expect(await eventually { server.statistics.openConnections == 0 })
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

    @Test func clientThatAskedToCloseIsClosedAtOnceWithoutLingering() async throws {
        try await withTestServer({ $0.timeouts.linger = .seconds(30) }) { server, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send(get("/echo", "Connection: close\r\n"))
            #expect(try client.readResponse().closes)
            #expect(try client.waitForClose().ending == .endOfFile)
            // The client has not closed its side, yet the server has let go: no 30 s linger.
            #expect(await eventually { server.statistics.openConnections == 0 })
        }
    }

    @Test func readerThatStopsReadingIsDroppedAtTheWriteTimeout() async throws {
        try await withTestServer({ $0.timeouts.write = .milliseconds(300) }) { server, port in
            let client = try TestClient(port: port, receiveBufferSize: 4096)
            defer { client.close() }
            try client.send(get("/large?size=\(32 * 1024 * 1024)"))
            #expect(await eventually { server.statistics.openConnections == 0 })
        }
    }

    // MARK: - Misbehaving clients

    @Test func clientResetsDoNotDisturbTheServer() async throws {
        let handler = MockHandler()
        try await withTestServer(handler: handler) { server, port in
            // Reset in the middle of a head.
            let partial = try TestClient(port: port)
            try partial.send("GET /echo HTTP/1.1\r\nHo")
            partial.reset()
            // Reset while the handler holds the request; it answers afterwards.
            let held = try TestClient(port: port)
            try held.send(get("/hold"))
            #expect(await eventually { handler.stash.count == 1 })
            held.reset()
            // Reset in the middle of a large response.
            let reading = try TestClient(port: port, receiveBufferSize: 4096)
            try reading.send(get("/large?size=\(16 * 1024 * 1024)"))
            _ = try reading.readSlowly(count: 1000, pieceSize: 1000, timeout: .seconds(10)) {}
            reading.reset()
            // Reset right after sending a complete request.
            let quick = try TestClient(port: port)
            try quick.send(get("/late?ms=50"))
            quick.reset()

            #expect(await eventually { server.statistics.openConnections == 0 })
            handler.stash.respondAll(.text("too late"))
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send(get("/echo?still-serving"))
            #expect(try client.readResponse().text == "GET /echo?still-serving")
        }
    }

    // MARK: - Large content

    @Test func largeResponseReachesASlowReaderIntact() async throws {
        try await withTestServer { _, port in
            let client = try TestClient(port: port, receiveBufferSize: 8192)
            defer { client.close() }
            let size = 4 * 1024 * 1024
            try client.send(get("/large?size=\(size)") + get("/echo?after"))
            let head = try client.readResponseHead()
            #expect(head.contentLength == size)
            var reads = 0
            let body = try client.readSlowly(count: size, pieceSize: 4096, timeout: .seconds(40)) {
                reads += 1
                if reads % 8 == 0 { usleep(1000) }  // A slow reader is the thing under test.
            }
            #expect(body.count == size)
            #expect(body == MockHandler.pattern(count: size))
            #expect(try client.readResponse().text == "GET /echo?after")
        }
    }

    @Test func fileContentIsSentWithSendfile() async throws {
        let file = try TemporaryFile(size: 3 * 1024 * 1024 + 17)
        try await withTestServer(handler: MockHandler(filePath: file.path)) { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send(get("/file?offset=0&length=\(file.size)"))
            let whole = try client.readResponse(timeout: .seconds(30))
            #expect(whole.status == 200)
            #expect(whole.header("Content-Type") == "application/octet-stream")
            #expect(whole.body == MockHandler.pattern(count: file.size))

            try client.send(get("/file?offset=12345&length=1000000") + get("/file?offset=7&length=0"))
            let part = try client.readResponse(timeout: .seconds(30))
            #expect(part.body == MockHandler.pattern(count: 1_000_000, from: 12345))
            let empty = try client.readResponse()
            #expect(empty.status == 200)
            #expect(empty.contentLength == 0)
            #expect(await eventually { file.openDescriptorCount == 0 }, "FileRegion descriptors must be closed")
        }
    }

    @Test func fileShorterThanAnnouncedClosesTheConnection() async throws {
        let file = try TemporaryFile(size: 1000)
        try await withTestServer(handler: MockHandler(filePath: file.path)) { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send(get("/file?offset=0&length=5000"))
            // The framing promised 5000 bytes; only closing can tell the client it got less.
            let ending = try client.waitForClose()
            #expect(ending.bytes.count < 5000 + 200)
            #expect(await eventually { file.openDescriptorCount == 0 })
        }
    }

    @Test func contentPatternHelperHasPeriod251AtAnyOffset() {
        #expect(MockHandler.pattern(count: 5, from: 249) == [249, 250, 0, 1, 2])
        #expect(MockHandler.pattern(count: 0, from: 7) == [])
        let long = MockHandler.pattern(count: 1_000, from: 100)
        #expect(long.enumerated().allSatisfy { $0.element == UInt8(($0.offset + 100) % 251) })
    }

    // MARK: - Listening

    @Test(.enabled(if: TestClient.supportsIPv6Loopback))
    func servesOnTheIPv6Loopback() async throws {
        try await withTestServer({ $0.host = "::1" }) { _, port in
            let client = try TestClient(port: port, host: "::1")
            defer { client.close() }
            try client.send(get("/echo"))
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("X-Remote") == "::1")
        }
    }

    @Test func severalEventLoopsShareThePort() async throws {
        try await withTestServer({ $0.eventLoopCount = 3 }) { server, port in
            var clients: [TestClient] = []
            defer { clients.forEach { $0.close() } }
            for index in 0..<24 {
                let client = try TestClient(port: port)
                clients.append(client)
                try client.send(get("/echo?n=\(index)"))
            }
            for (index, client) in clients.enumerated() {
                #expect(try client.readResponse().text == "GET /echo?n=\(index)")
            }
            #expect(server.statistics.openConnections == 24)
        }
    }

    @Test func atMaxConnectionsNewcomersWaitWithoutSpinning() async throws {
        try await withTestServer({ $0.maxConnections = 2 }) { server, port in
            let first = try TestClient(port: port)
            defer { first.close() }
            let second = try TestClient(port: port)
            defer { second.close() }
            // Both are busy (a head half sent), not idle: neither gives way to a newcomer.
            for client in [first, second] {
                try client.send("GET /echo HTTP/1.1\r\n")
            }
            #expect(await eventually { server.statistics.acceptedConnections == 2 })
            let third = try TestClient(port: port)  // The kernel completes the handshake and queues it.
            defer { third.close() }
            try third.send(get("/echo?third"))
            // Nothing is due meanwhile (the busy heads' timeouts are seconds away), so loops that
            // wait are found asleep whenever they are looked at, however loaded the machine; a
            // loop that spins on the pending connection is never asleep.
            var asleep = 0
            for _ in 0..<20 {
                let states = ThreadStates.of(threadsNamed: "http-loop")
                if !states.isEmpty && states.allSatisfy({ $0 == "S" }) { asleep += 1 }
                #expect(try third.staysSilent(for: .milliseconds(20)))
            }
            #expect(asleep >= 10, "the event loops were asleep in \(asleep) of 20 looks")
            #expect(server.statistics.openConnections == 2)
            #expect(server.statistics.acceptedConnections == 2)

            first.close()
            #expect(try third.readResponse().text == "GET /echo?third")
            #expect(server.statistics.acceptedConnections == 3)
        }
    }

    @Test func atMaxConnectionsTheOldestIdleKeepAliveConnectionGivesWayToANewcomer() async throws {
        try await withTestServer({ $0.maxConnections = 2 }) { server, port in
            let first = try TestClient(port: port)
            defer { first.close() }
            let second = try TestClient(port: port)
            defer { second.close() }
            for client in [first, second] {
                try client.send(get("/echo"))
                #expect(try client.readResponse().status == 200)
            }
            // Both idle between requests, for up to the idle timeout (60 s): the newcomer is
            // answered now, in a slot the oldest idle connection gave up.
            let third = try TestClient(port: port)
            defer { third.close() }
            try third.send(get("/echo?third"))
            #expect(try third.readResponse().text == "GET /echo?third")
            #expect(try first.waitForClose().ending == .endOfFile)
            try second.send(get("/echo?second"))
            #expect(try second.readResponse().text == "GET /echo?second")
            #expect(server.statistics.openConnections == 2)
        }
    }

    @Test func atMaxConnectionsAnIdleConnectionOnAnotherLoopGivesWayToo() async throws {
        // Two loops, one listener each: a newcomer may wait on the loop without the idle
        // connection. Eight rounds make it all but certain that both cases occur.
        try await withTestServer({ $0.maxConnections = 1; $0.eventLoopCount = 2 }) { server, port in
            var previous: TestClient?
            for round in 0..<8 {
                let client = try TestClient(port: port)
                try client.send(get("/echo?round=\(round)"))
                #expect(try client.readResponse().text == "GET /echo?round=\(round)")
                if let previous {
                    #expect(try previous.waitForClose().ending == .endOfFile)
                    previous.close()
                }
                previous = client
            }
            previous?.close()
            #expect(server.statistics.acceptedConnections == 8)
        }
    }

    // MARK: - Lifecycle

    @Test func startFailuresThrowAndLeakNothing() async throws {
        let opened = ProcessResources.descriptorTargets()
        let notAnAddress = HTTPServer(configuration: .test { $0.host = "localhost" }, handler: MockHandler(), logger: .test)
        #expect(throws: SocketError.self) { try notAnAddress.start() }
        #expect(notAnAddress.port == nil)
        await notAnAddress.shutdown(gracePeriod: .zero)

        let badPort = HTTPServer(configuration: .test { $0.port = 70_000 }, handler: MockHandler(), logger: .test)
        #expect(throws: SocketError.invalidPort(70_000)) { try badPort.start() }
        let negativePort = HTTPServer(configuration: .test { $0.port = -1 }, handler: MockHandler(), logger: .test)
        #expect(throws: SocketError.invalidPort(-1)) { try negativePort.start() }

        var usedPort = 0
        try await withTestServer({ $0.eventLoopCount = 2 }) { server, port in
            usedPort = port
            #expect(throws: HTTPServerError.alreadyStarted) { try server.start() }
            for loops in [1, 3] {
                let rival = HTTPServer(
                    configuration: .test {
                        $0.port = port
                        $0.eventLoopCount = loops
                    }, handler: MockHandler(), logger: .test)
                #expect(performing: { try rival.start() }, throws: { ($0 as? SocketError)?.code == EADDRINUSE })
                await rival.shutdown(gracePeriod: .zero)  // In case it started after all.
            }
            await server.shutdown(gracePeriod: .seconds(1))
            await server.shutdown(gracePeriod: .seconds(1))  // A second call returns at once.
            await server.waitUntilStopped()
            #expect(throws: HTTPServerError.alreadyStarted) { try server.start() }
        }
        let left = ProcessResources.descriptorsOpened(since: opened, port: usedPort)
        #expect(left.isEmpty, "descriptors left open: \(left)")
    }

    @Test func shutdownOfAServerThatNeverStartedReturns() async {
        let server = HTTPServer(configuration: .test(), handler: MockHandler(), logger: .test)
        await server.shutdown(gracePeriod: .seconds(1))
        await server.waitUntilStopped()
        #expect(server.port == nil)
    }

    @Test func gracefulShutdownFinishesInFlightRequestsAndClosesIdleOnes() async throws {
        let handler = MockHandler()
        let server = HTTPServer(configuration: .test(), handler: handler, logger: .test)
        try server.start()
        let port = try #require(server.port)
        try await shuttingDownOnError(server) {
            let inFlight = try TestClient(port: port)
            defer { inFlight.close() }
            let idle = try TestClient(port: port)
            defer { idle.close() }
            let silent = try TestClient(port: port)
            defer { silent.close() }
            try idle.send(get("/echo"))
            #expect(try idle.readResponse().status == 200)
            try inFlight.send(get("/hold"))
            #expect(await eventually { handler.stash.count == 1 })
            #expect(await eventually { server.statistics.openConnections == 3 })

            let shutdown = Task { await server.shutdown(gracePeriod: .seconds(20)) }
            // Idle and silent connections close at once, and nothing new is accepted.
            #expect(try idle.waitForClose().ending == .endOfFile)
            #expect(try silent.waitForClose().ending == .endOfFile)
            #expect(TestClient.connectError(port: port) == ECONNREFUSED)
            // The request in flight still gets its whole response, which says close.
            let content = MockHandler.pattern(count: 300_000)
            handler.stash.respondAll(HTTPResponse(body: .bytes(content)))
            let response = try inFlight.readResponse()
            #expect(response.status == 200)
            #expect(response.body == content)
            #expect(response.closes)
            #expect(try inFlight.waitForClose().ending == .endOfFile)
            inFlight.close()
            await shutdown.value
        }
        #expect(server.port == nil)
        #expect(ProcessResources.serverSockets(port: port).isEmpty)
    }

    @Test func requestWhoseBodyIsArrivingWhenShutdownBeginsIsStillServed() async throws {
        let server = HTTPServer(configuration: .test(), handler: MockHandler(), logger: .test)
        try server.start()
        let port = try #require(server.port)
        try await shuttingDownOnError(server) {
            let client = try TestClient(port: port)
            defer { client.close() }
            // The interim response proves the server has parsed the head and waits for the body.
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            #expect(try client.readResponse().status == 100)
            let shutdown = Task { await server.shutdown(gracePeriod: .seconds(20)) }
            #expect(await eventually { TestClient.connectError(port: port) == ECONNREFUSED })
            try client.send("hello")
            let response = try client.readResponse()
            #expect(response.text == "hello")
            #expect(response.closes)
            #expect(try client.waitForClose().ending == .endOfFile)
            client.close()
            await shutdown.value
        }
        #expect(server.port == nil)
    }

    @Test func shutdownForceClosesAtTheDeadlineAndLateAnswersGoNowhere() async throws {
        let handler = MockHandler()
        let server = HTTPServer(configuration: .test(), handler: handler, logger: .test)
        try server.start()
        let port = try #require(server.port)
        let client = try TestClient(port: port)
        defer { client.close() }
        try await shuttingDownOnError(server) {
            try client.send(get("/hold"))
            #expect(await eventually { handler.stash.count == 1 })
        }

        // The held request never finishes, so only the deadline can end this shutdown: that it
        // returns is the behaviour. The bound only turns a shutdown that ignored its deadline into
        // a failure instead of a hung run; at 30 times the grace period, load cannot reach it.
        let started = ContinuousClock.now
        await server.shutdown(gracePeriod: .milliseconds(300))
        #expect(ContinuousClock.now - started < .seconds(10))
        let ending = try client.waitForClose()
        #expect(ending.bytes.isEmpty)
        #expect(server.port == nil)
        #expect(ProcessResources.serverSockets(port: port).isEmpty)

        // The loop has closed its descriptors; new ones reuse the lowest numbers. An answer
        // arriving now must not write to them (the loop's old wake-up eventfd number).
        var pipes: [(Int32, Int32)] = []
        defer { pipes.forEach { close($0.0); close($0.1) } }
        for _ in 0..<4 {
            var ends: [Int32] = [0, 0]
            #expect(pipe(&ends) == 0)
            pipes.append((ends[0], ends[1]))
            _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
        }
        handler.stash.respondAll(.text("far too late"))
        for (readEnd, _) in pipes {
            var byte: UInt8 = 0
            #expect(read(readEnd, &byte, 1) == -1, "a late answer wrote into an unrelated descriptor")
        }
    }

    @Test func noDescriptorLeaksAfterTwoThousandConnections() async throws {
        // Warm up first, so what the runtime and Dispatch allocate once (timer descriptors,
        // thread pools) is not counted as a leak.
        try await withTestServer { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            try client.send(get("/late?ms=1"))
            _ = try client.readResponse()
        }
        let before = ProcessResources.openDescriptorCount()
        let opened = ProcessResources.descriptorTargets()
        let handler = MockHandler()
        let server = HTTPServer(configuration: .test(), handler: handler, logger: .test)
        try server.start()
        let port = try #require(server.port)
        var served = 0
        try await shuttingDownOnError(server) {
            for index in 0..<2_000 {
                let client = try TestClient(port: port)
                defer { client.close() }
                switch index % 5 {
                case 0:  // Client closes after a keep-alive exchange.
                    try client.send(get("/echo?n=\(index)"))
                    if try client.readResponse().status == 200 { served += 1 }
                case 1:  // Server closes after Connection: close.
                    try client.send(get("/echo?n=\(index)", "Connection: close\r\n"))
                    if try client.readResponse().status == 200 { served += 1 }
                    _ = try client.waitForClose()
                case 2:  // A bad request.
                    try client.send("GET / HTTP/1.1\r\n\r\n")
                    if try client.readResponse().status == 400 { served += 1 }
                case 3:  // Answered from another thread, then the client resets.
                    try client.send(get("/late?ms=1"))
                    if try client.readResponse().status == 200 { served += 1 }
                    client.reset()
                default:  // Content larger than the head, and the server closes.
                    try client.send(get("/large?size=1000", "Connection: close\r\n"))
                    if try client.readResponse().body.count == 1000 { served += 1 }
                }
            }
        }
        #expect(served == 2_000)
        #expect(await eventually { server.statistics.openConnections == 0 })
        await server.shutdown(gracePeriod: .seconds(1))
        #expect(server.statistics.acceptedConnections == 2_000)
        let left = ProcessResources.descriptorsOpened(since: opened, port: port)
        #expect(left.isEmpty, "descriptors left open: \(left)")
        // The plain count, which only other suites running in parallel can disturb (see
        // `descriptorsOpened`); exact under `swift test --filter HTTPServerTests`.
        let after = ProcessResources.openDescriptorCount()
        if after != before && left.isEmpty {
            print("note: \(after - before) descriptors opened by other tests during the leak test")
        } else {
            #expect(after == before)
        }
    }
}

extension TestClient {
    /// Reads a response head only, leaving the content to be read separately.
    func readResponseHead(timeout: Duration = TestClient.defaultTimeout) throws -> TestResponse {
        // A HEAD-style read returns the head and leaves the content in the buffer.
        try readResponse(isHead: true, timeout: timeout)
    }
}
