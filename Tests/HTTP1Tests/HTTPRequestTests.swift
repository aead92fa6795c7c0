import Testing

@testable import HTTP1

@Suite struct HTTPRequestTests {
    @Test(arguments: [
        (HTTPVersion.http1_1, nil, true),
        (.http1_1, "close", false),
        (.http1_1, "Close", false),
        (.http1_1, "keep-alive", true),
        (.http1_1, "Upgrade, close", false),
        (.http1_1, "upgrade", true),
        (.http1_0, nil, false),
        (.http1_0, "keep-alive", true),
        (.http1_0, "Keep-Alive", true),
        (.http1_0, "close", false),
        (.http1_0, "keep-alive, close", false),
        (.http1_0, "x, keep-alive", true),
    ] as [(HTTPVersion, String?, Bool)])
    func wantsKeepAlive(version: HTTPVersion, connection: String?, expected: Bool) {
        var headers = HTTPHeaders()
        if let connection { headers.add("Connection", connection) }
        let request = HTTPRequest(method: .get, target: "/", version: version, headers: headers)
        #expect(request.wantsKeepAlive == expected)
    }

    @Test(arguments: [
        ("/", "/", nil),
        ("/a/b", "/a/b", nil),
        ("/a?b=c", "/a", "b=c"),
        ("/a?", "/a", ""),
        ("/a?b?c", "/a", "b?c"),
        ("/%2e%2e/x?y", "/%2e%2e/x", "y"),
        ("http://example.com", "/", nil),
        ("http://example.com/", "/", nil),
        ("http://example.com:8080/a/b?c=d", "/a/b", "c=d"),
        ("https://example.com?q", "/", "q"),
        ("HTTP://EXAMPLE.COM/X", "/X", nil),
        ("http://user@example.com/p", "/p", nil),
        ("*", "*", nil),
    ] as [(String, String, String?)])
    func splitTarget(target: String, path: String, query: String?) {
        let split = HTTPRequest.splitTarget(target)
        #expect(split.path == path)
        #expect(split.query == query)
        let request = HTTPRequest(method: .get, target: target)
        #expect(request.path == path)
        #expect(request.query == query)
    }

    @Test func onlyTheLoneAsteriskIsAsteriskForm() {
        #expect(HTTPRequest(method: .options, target: "*").isAsteriskForm)
        #expect(!HTTPRequest(method: .options, target: "/*").isAsteriskForm)
        #expect(!HTTPRequest(method: .options, target: "**").isAsteriskForm)
    }
}
