import Foundation
import Testing
import TestSupport

/// What users and scanners send first, against the real binary over raw sockets: a bare
/// `curl -X POST`, `OPTIONS *`, CONNECT, cache headers on live state, and the walkthrough's
/// image directory when `TUTORIAL_PATH` points at the file system's root.
@Suite(.serialized) struct UnusualRequestTests {
    @Test func postWithoutABodyRecordsAVisit() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        // Exactly what `curl -X POST localhost:8080/api/visits` sends: no Content-Length.
        let response = try TestClient.exchange(
            port: server.port,
            "POST /api/visits HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nConnection: close\r\n\r\n")
        #expect(response.status == 201)
        #expect(response.text.contains("\"total\":1"))
        #expect(response.header("cache-control") == "no-store")
        #expect(server.stop() == 0)
    }

    @Test func apiBodyOverItsLimitGetsTheJSON413WithoutContinueAndRecordsNothing() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        // 2,000 bytes announced to a route that takes 1 KiB: answered at once, never invited
        // with 100 Continue, in the API's JSON; so are 2 MB, past the server-wide 1 MiB limit.
        for length in [2000, 2_000_000] {
            let socket = try TestClient(port: server.port)
            try socket.send(
                "POST /api/visits HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(length)\r\nExpect: 100-continue\r\n\r\n")
            let answer = String(decoding: try socket.waitForClose().bytes, as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 413 "), "\(length): \(answer)")
            #expect(answer.lowercased().contains("content-type: application/json"), "\(length)")
            #expect(answer.hasSuffix("{\"error\":\"body larger than 1024 bytes\"}\n"), "\(length)")
        }
        // A route that takes no body refuses one the same way, in its own format.
        let page = try TestClient.exchange(port: server.port, "GET /basic HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello")
        #expect(page.status == 413)
        #expect(try TestClient.get(port: server.port, "/api/visits").text.contains("\"total\":0"))
        #expect(server.stop() == 0)
    }

    @Test func serverAnswersOptionsAsteriskAndConnectItself() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        let options = try TestClient.exchange(port: server.port, "OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(options.status == 200)
        #expect(options.header("allow") == "GET, HEAD, POST, OPTIONS")
        #expect(options.header("content-length") == "0")
        let connect = try TestClient.exchange(port: server.port, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        #expect(connect.status == 501)
        let connectOrigin = try TestClient.exchange(port: server.port, "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(connectOrigin.status == 400)
        #expect(try TestClient.get(port: server.port, "*").status == 400)
        let badHost = try TestClient.exchange(port: server.port, "GET / HTTP/1.1\r\nHost: a b/c@d\r\n\r\n")
        #expect(badHost.status == 400)
        let emptyAuthority = try TestClient.exchange(port: server.port, "GET http:///etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(emptyAuthority.status == 400)
        #expect(server.stop() == 0)
        #expect(server.standardOutput.contains("OPTIONS * 200"), "the server's own answer is in the access log")
    }

    @Test(arguments: ["/healthz", "/readyz", "/metrics", "/api/visits", "/api/nothing-here"])
    func liveStateIsNeverStored(path: String) throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        let response = try TestClient.get(port: server.port, path)
        #expect(response.header("cache-control") == "no-store", "\(path): \(response.headers)")
        #expect(server.stop() == 0)
    }

    @Test func tutorialAtTheRootServesOnlyItsImagesDirectory() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start(environment: ["TUTORIAL_PATH": "/TUTORIAL.md"])
        for path in ["/tutorial/etc/passwd", "/tutorial/etc%2fpasswd", "/tutorial/images/../etc/passwd", "/tutorial/proc/self/environ"] {
            let response = try TestClient.get(port: server.port, path)
            #expect(response.status == 404, "\(path)")
            #expect(!response.text.contains("root:"), "\(path)")
        }
        #expect(server.stop() == 0)
    }

    @Test func headOfThePageAnnouncesTheLengthGetSends() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        func uptime(_ page: String) -> Substring? {
            page.firstRange(of: "<dd id=\"uptime\">").flatMap { start in
                page[start.upperBound...].firstRange(of: "</dd>").map { page[start.upperBound..<$0.lowerBound] }
            }
        }
        // The 10th visit takes the count from one digit to two: a HEAD that rendered the count
        // before its own (uncounted) visit would announce one byte less than the next GET sends.
        for _ in 0..<8 { #expect(try TestClient.get(port: server.port, "/").status == 200) }
        for _ in 0..<5 {
            let before = try TestClient.get(port: server.port, "/")
            let head = try TestClient.head(port: server.port, "/")
            let after = try TestClient.get(port: server.port, "/")
            #expect(head.status == 200)
            #expect(head.text.isEmpty)
            // The uptime is on the page too; when its text changed length in between, try again.
            guard uptime(before.text)?.count == uptime(after.text)?.count else { continue }
            #expect(head.header("content-length") == "\(after.text.utf8.count)")
            #expect(head.header("content-length") == after.header("content-length"))
            break
        }
        #expect(server.stop() == 0)
    }

    @Test func maxVariantsBoundsTheNamesAClientCanCreate() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start(environment: ["MAX_VARIANTS": "2", "IMAGE_VARIANT": "local"])
        #expect(try TestClient.post(port: server.port, "/api/visits", json: "{\"variant\":\"first\"}").status == 201)
        let refused = try TestClient.post(port: server.port, "/api/visits", json: "{\"variant\":\"second\"}")
        #expect(refused.status == 422)
        #expect(refused.text.contains("too many variants"))
        #expect(try TestClient.post(port: server.port, "/api/visits", json: "{\"variant\":\"first\"}").text
            == "{\"total\":2,\"byVariant\":{\"first\":2}}\n")
        #expect(try TestClient.get(port: server.port, "/api/visits").text == "{\"total\":2,\"byVariant\":{\"first\":2}}\n")
        #expect(server.stop() == 0)
    }
}
