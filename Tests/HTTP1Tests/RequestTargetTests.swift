import Testing

@testable import HTTP1

@Suite struct RequestTargetTests {
    /// Parses one request without a body.
    private func parse(_ head: String) throws -> HTTPRequest {
        var parser = RequestParser(limits: RequestLimits())
        var buffer = InputBuffer()
        buffer.append(contentsOf: head.utf8)
        guard case .request(let request) = try parser.next(&buffer) else {
            Issue.record("no request from \(head.debugDescription)")
            return HTTPRequest(method: .get, target: "/")
        }
        return request
    }

    @Test func aLongTargetIsReadFromTheFieldsBuffer() throws {
        let target = "/tutorial/images/a-rather-long-name.png?size=large&format=webp"
        let request = try parse("GET \(target) HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n")
        #expect(request.target == target)
        #expect(request.path == "/tutorial/images/a-rather-long-name.png")
        #expect(request.query == "size=large&format=webp")
        #expect(request.headers.map { "\($0.name): \($0.value)" } == ["Host: h", "Accept: */*"])
        #expect(request.headers.count == 2)
        // One buffer for both: a long target costs no allocation of its own.
        let targetBase = request.requestTarget.storage.withUnsafeBufferPointer { $0.baseAddress }
        let fieldsBase = request.headers.leadingStorage.withUnsafeBufferPointer { $0.baseAddress }
        #expect(targetBase == fieldsBase)
    }

    @Test func changingTheFieldsKeepsTheTarget() throws {
        var request = try parse("GET /a/b?c HTTP/1.1\r\nHost: h\r\nX-Drop: 1\r\n\r\n")
        request.headers.remove("X-Drop")
        request.headers.add("X-New", "2")
        #expect(request.headers.map { "\($0.name): \($0.value)" } == ["Host: h", "X-New: 2"])
        request.headers = ["Only": "this"]
        #expect(request.target == "/a/b?c")
        #expect(request.path == "/a/b")
        #expect(request.query == "c")
    }

    @Test func anAbsoluteFormTargetsAuthorityReplacesHostAndKeepsThePath() throws {
        let request = try parse("GET http://example.com/x?y HTTP/1.1\r\nHost: other\r\n\r\n")
        #expect(request.headers["Host"] == "example.com")
        #expect(request.headers.count == 1)
        #expect(request.target == "http://example.com/x?y")
        #expect(request.path == "/x")
        #expect(request.path(equals: "/x"))
    }

    @Test(arguments: [
        ("/basic", "/basic", true),
        ("/basic?x=1", "/basic", true),
        ("/basic/", "/basic", false),
        ("/basi", "/basic", false),
        ("http://example.com", "/", true),
        ("http://example.com?q", "/", true),
        ("*", "*", true),
    ] as [(String, StaticString, Bool)])
    func pathEquals(target: String, path: StaticString, expected: Bool) {
        let request = HTTPRequest(method: .get, target: target)
        #expect(request.path(equals: path) == expected)
        #expect(request.withPathBytes { String(decoding: $0, as: UTF8.self) } == request.path)
    }

    @Test(arguments: [
        ("/tutorial/images/a.svg", "/tutorial/", true),
        ("/tutorial/", "/tutorial/", true),
        ("/tutorial", "/tutorial/", false),
        ("/tutorial?x=/tutorial/", "/tutorial/", false),
        ("http://example.com/tutorial/x", "/tutorial/", true),
        ("/TUTORIAL/x", "/tutorial/", false),
    ] as [(String, StaticString, Bool)])
    func pathHasPrefix(target: String, prefix: StaticString, expected: Bool) {
        let request = HTTPRequest(method: .get, target: target)
        #expect(request.path(hasPrefix: prefix) == expected)
        #expect(request.path.hasPrefix(prefix.description) == expected)
    }

    @Test func settingTheTargetSplitsItAgain() {
        var request = HTTPRequest(method: .get, target: "/a?b")
        request.target = "/c/d?e=f"
        #expect(request.path == "/c/d")
        #expect(request.query == "e=f")
    }
}
