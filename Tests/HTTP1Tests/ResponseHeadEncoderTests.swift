import Testing

@testable import HTTP1

@Suite struct ResponseHeadEncoderTests {
    /// 1994-11-06T08:49:37Z, RFC 9110's example instant.
    static let exampleSecond = 784_111_777

    /// Encodes and splits the head into lines (without the final empty line).
    static func lines(
        _ response: HTTPResponse,
        keepAlive: Bool = true,
        version: HTTPVersion = .http1_1,
        encoder: inout ResponseHeadEncoder,
        second: Int = exampleSecond
    ) -> [String] {
        let bytes = encoder.encode(response, keepAlive: keepAlive, requestVersion: version, nowEpochSeconds: second)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasSuffix("\r\n\r\n"))
        // No bare CR or LF anywhere: every LF follows a CR and every CR precedes a LF.
        for (index, byte) in bytes.enumerated() {
            if byte == 0x0A { #expect(index > 0 && bytes[index - 1] == 0x0D) }
            if byte == 0x0D { #expect(index + 1 < bytes.count && bytes[index + 1] == 0x0A) }
        }
        return text.split(separator: "\r\n", omittingEmptySubsequences: false).dropLast(2).map(String.init)
    }

    static func lines(_ response: HTTPResponse, keepAlive: Bool = true, version: HTTPVersion = .http1_1) -> [String] {
        var encoder = ResponseHeadEncoder()
        return lines(response, keepAlive: keepAlive, version: version, encoder: &encoder)
    }

    @Test func plainResponse() {
        let lines = Self.lines(.text("hello"))
        #expect(lines == [
            "HTTP/1.1 200 OK",
            "Content-Type: text/plain; charset=utf-8",
            "Date: Sun, 06 Nov 1994 08:49:37 GMT",
            "Content-Length: 5",
        ])
    }

    @Test func serverOwnedFieldsAreReplaced() {
        let response = HTTPResponse(
            status: .ok,
            headers: [
                "content-length": "999", "Transfer-Encoding": "chunked", "CONNECTION": "keep-alive",
                "Date": "yesterday", "X-Kept": "yes",
            ],
            body: .bytes([1, 2, 3]))
        let lines = Self.lines(response, keepAlive: false)
        #expect(lines == [
            "HTTP/1.1 200 OK",
            "X-Kept: yes",
            "Date: Sun, 06 Nov 1994 08:49:37 GMT",
            "Content-Length: 3",
            "Connection: close",
        ])
    }

    @Test func lineBreaksInValuesCannotSplitTheResponse() {
        let response = HTTPResponse(
            headers: ["X-Evil": "a\r\nSet-Cookie: stolen=1\r\n\r\n<html>", "X-Nul": "a\u{0}b", "X-LF": "a\nb", "X-CR": "a\rb"])
        let lines = Self.lines(response)
        #expect(lines.contains("X-Evil: a  Set-Cookie: stolen=1    <html>"))
        #expect(lines.contains("X-Nul: a b"))
        #expect(lines.contains("X-LF: a b"))
        #expect(lines.contains("X-CR: a b"))
        #expect(!lines.contains { $0.hasPrefix("Set-Cookie") })
    }

    @Test func invalidNameCharactersAreReplaced() {
        let lines = Self.lines(HTTPResponse(headers: ["X Bad\r\nName": "v"]))
        #expect(lines.contains("X-Bad--Name: v"))
    }

    @Test func fieldsWithoutANameAreDropped() {
        let lines = Self.lines(HTTPResponse(headers: ["": "v", "X": "1"]))
        #expect(!lines.contains { $0.hasPrefix(":") })
        #expect(lines.contains("X: 1"))
    }

    @Test func reasonPhraseCannotSplitTheResponse() {
        let status = HTTPStatus(code: 299, reasonPhrase: "Fine\r\nX-Injected: 1")
        let lines = Self.lines(HTTPResponse(status: status))
        #expect(lines.first == "HTTP/1.1 299 Fine  X-Injected: 1")
        #expect(!lines.contains("X-Injected: 1"))
    }

    @Test(arguments: [HTTPStatus.noContent, .notModified, .`continue`])
    func noContentLengthWhereContentIsForbidden(status: HTTPStatus) {
        let lines = Self.lines(HTTPResponse(status: status, body: .bytes([1, 2, 3])))
        #expect(!lines.contains { $0.lowercased().hasPrefix("content-length") })
    }

    @Test func emptyBodyHasContentLengthZero() {
        #expect(Self.lines(HTTPResponse(status: .notFound)).contains("Content-Length: 0"))
    }

    @Test(arguments: [
        (HTTPVersion.http1_1, true, nil),
        (.http1_1, false, "Connection: close"),
        (.http1_0, true, "Connection: keep-alive"),
        (.http1_0, false, "Connection: close"),
    ] as [(HTTPVersion, Bool, String?)])
    func connectionField(version: HTTPVersion, keepAlive: Bool, expected: String?) {
        let connection = Self.lines(.text("x"), keepAlive: keepAlive, version: version).filter { $0.hasPrefix("Connection") }
        #expect(connection == (expected.map { [$0] } ?? []))
    }

    @Test func dateFollowsTheClock() {
        var encoder = ResponseHeadEncoder()
        let first = Self.lines(.text(""), encoder: &encoder, second: 0)
        let again = Self.lines(.text(""), encoder: &encoder, second: 0)
        let later = Self.lines(.text(""), encoder: &encoder, second: 1)
        #expect(first.contains("Date: Thu, 01 Jan 1970 00:00:00 GMT"))
        #expect(again == first)
        #expect(later.contains("Date: Thu, 01 Jan 1970 00:00:01 GMT"))
    }
}
