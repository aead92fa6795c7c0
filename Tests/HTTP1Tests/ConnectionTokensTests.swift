@testable import HTTP1
import Testing

/// Persistence decided from the `Connection` options the parser notes while parsing, and from the
/// fields when a request was made otherwise or its fields changed.
@Suite struct ConnectionTokensTests {
    private func parse(_ text: String) throws -> HTTPRequest {
        var parser = RequestParser(limits: RequestLimits())
        var buffer = InputBuffer()
        buffer.append(contentsOf: Array(text.utf8))
        guard case .request(let request) = try parser.next(&buffer) else {
            Issue.record("no request")
            return HTTPRequest(method: .get, target: "/")
        }
        return request
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true),
        ("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: a\r\nconnection: Keep-Alive, CLOSE\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nConnection: close\r\n\r\n", false),
        ("GET / HTTP/1.0\r\n\r\n", false),
        ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
        ("GET / HTTP/1.0\r\nConnection:  , keep-alive ,\r\n\r\n", true),
        ("GET / HTTP/1.0\r\nConnection: keep-alive-ish\r\n\r\n", false),
    ])
    func parsedOptionsDecidePersistenceAsTheFieldsDo(text: String, keepAlive: Bool) throws {
        let request = try parse(text)
        #expect(request.connectionTokens == ConnectionTokens(request.headers))
        #expect(request.wantsKeepAlive == keepAlive)
    }

    @Test func changingTheFieldsDropsTheParsedOptions() throws {
        var request = try parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(request.wantsKeepAlive)
        request.headers.add("Connection", "close")
        #expect(request.connectionTokens == nil)
        #expect(!request.wantsKeepAlive)
    }
}
