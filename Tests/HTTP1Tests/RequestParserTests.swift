import Testing
import TestSupport

@testable import HTTP1

/// One input the parser must accept, and the requests it must produce.
struct AcceptCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: String
    let expected: [HTTPRequest]
    var testDescription: String { name }
}

/// One input the parser must reject, and the status it must answer with.
struct RejectCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [UInt8]
    let status: Int
    var limits = RequestLimits()
    var testDescription: String { "\(name) → \(status)" }

    init(_ name: String, _ input: String, _ status: Int, limits: RequestLimits = RequestLimits()) {
        self.init(name, Array(input.utf8), status, limits: limits)
    }

    init(_ name: String, _ input: [UInt8], _ status: Int, limits: RequestLimits = RequestLimits()) {
        self.name = name
        self.input = input
        self.status = status
        self.limits = limits
    }
}

@Suite struct RequestParserTests {
    // MARK: - Accepted input

    static let acceptCases: [AcceptCase] = [
        AcceptCase(
            name: "simple GET",
            input: "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
            expected: [HTTPRequest(method: .get, target: "/", headers: ["Host": "example.com"])]),
        AcceptCase(
            name: "path and query",
            input: "GET /a/b%20c?x=1&y=2 HTTP/1.1\r\nHost: h\r\n\r\n",
            expected: [HTTPRequest(method: .get, target: "/a/b%20c?x=1&y=2", headers: ["Host": "h"])]),
        AcceptCase(
            name: "HTTP/1.0 without Host",
            input: "GET /old HTTP/1.0\r\n\r\n",
            expected: [HTTPRequest(method: .get, target: "/old", version: .http1_0)]),
        AcceptCase(
            name: "HTTP/1.9 is served as 1.1",
            input: "GET / HTTP/1.9\r\nHost: h\r\n\r\n",
            expected: [HTTPRequest(method: .get, target: "/", headers: ["Host": "h"])]),
        AcceptCase(
            name: "HEAD",
            input: "HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n",
            expected: [HTTPRequest(method: .head, target: "/x", headers: ["Host": "h"])]),
        AcceptCase(
            name: "unknown but valid method token",
            input: "PURGE-IT! /x HTTP/1.1\r\nHost: h\r\n\r\n",
            expected: [HTTPRequest(method: HTTPMethod(rawValue: "PURGE-IT!"), target: "/x", headers: ["Host": "h"])]),
        AcceptCase(
            name: "POST with Content-Length",
            input: "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
            expected: [HTTPRequest(method: .post, target: "/p", headers: ["Host": "h", "Content-Length": "5"], body: Array("hello".utf8))]),
        AcceptCase(
            name: "POST with Content-Length 0",
            input: "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
            expected: [HTTPRequest(method: .post, target: "/p", headers: ["Host": "h", "Content-Length": "0"])]),
        AcceptCase(
            name: "Content-Length with leading zeros",
            input: "PUT /p HTTP/1.1\r\nHost: h\r\nContent-Length: 003\r\n\r\nabc",
            expected: [HTTPRequest(method: .put, target: "/p", headers: ["Host": "h", "Content-Length": "003"], body: Array("abc".utf8))]),
        AcceptCase(
            name: "GET with a body",
            input: "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi",
            expected: [HTTPRequest(method: .get, target: "/", headers: ["Host": "h", "Content-Length": "2"], body: Array("hi".utf8))]),
        AcceptCase(
            name: "chunked with extensions and trailers",
            input: "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n6;ext=1;quoted=\"a b\"\r\n world\r\nA ; x\r\n0123456789\r\n0\r\nTrailer-One: x\r\nTrailer-Two: y\r\n\r\n",
            expected: [HTTPRequest(
                method: .post, target: "/c", headers: ["Host": "h", "Transfer-Encoding": "chunked"],
                body: Array("hello world0123456789".utf8))]),
        AcceptCase(
            name: "chunk extensions with bad whitespace, quoted-pairs and a semicolon inside quotes",
            input: "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5 ;a = \"q\\\"x;y=z\" ; b\t;c=d\r\nhello\r\n0;last=\"\"\r\n\r\n",
            expected: [HTTPRequest(
                method: .post, target: "/c", headers: ["Host": "h", "Transfer-Encoding": "chunked"],
                body: Array("hello".utf8))]),
        AcceptCase(
            name: "chunked, coding name in any case, hex in both cases, leading zeros",
            input: "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ChUnKeD\r\n\r\n00a\r\nabcdefghij\r\n1F\r\n0123456789012345678901234567890\r\n000\r\n\r\n",
            expected: [HTTPRequest(
                method: .post, target: "/c", headers: ["Host": "h", "Transfer-Encoding": "ChUnKeD"],
                body: Array("abcdefghij0123456789012345678901234567890".utf8))]),
        AcceptCase(
            name: "empty chunked body",
            input: "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            expected: [HTTPRequest(method: .post, target: "/c", headers: ["Host": "h", "Transfer-Encoding": "chunked"])]),
        AcceptCase(
            name: "leading empty lines are ignored",
            input: "\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            expected: [HTTPRequest(method: .get, target: "/", headers: ["Host": "h"])]),
        AcceptCase(
            name: "optional whitespace around values is trimmed, inner kept",
            input: "GET / HTTP/1.1\r\nHost:h\r\nX-A: \t a  b \t\r\nX-Empty:\r\nX-Spaces:    \r\n\r\n",
            expected: [HTTPRequest(
                method: .get, target: "/", headers: ["Host": "h", "X-A": "a  b", "X-Empty": "", "X-Spaces": ""])]),
        AcceptCase(
            name: "repeated fields are kept in order",
            input: "GET / HTTP/1.1\r\nHost: h\r\nAccept: a\r\nX: 1\r\naccept: b\r\n\r\n",
            expected: [HTTPRequest(method: .get, target: "/", headers: ["Host": "h", "Accept": "a", "X": "1", "accept": "b"])]),
        AcceptCase(
            name: "obs-text in a value",
            input: "GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\u{e9}\r\n\r\n",
            expected: [HTTPRequest(method: .get, target: "/", headers: ["Host": "h", "X-Name": "caf\u{e9}"])]),
        AcceptCase(
            name: "absolute-form",
            input: "GET http://example.com/a?b=c HTTP/1.1\r\nHost: example.com\r\n\r\n",
            expected: [HTTPRequest(method: .get, target: "http://example.com/a?b=c", headers: ["Host": "example.com"])]),
        AcceptCase(
            name: "asterisk-form for OPTIONS",
            input: "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
            expected: [HTTPRequest(method: .options, target: "*", headers: ["Host": "h"])]),
        AcceptCase(
            name: "Expect: 100-continue on a request without a body is just a request",
            input: "GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n",
            expected: [HTTPRequest(method: .get, target: "/", headers: ["Host": "h", "Expect": "100-continue"])]),
        AcceptCase(
            name: "pipelined: GET, POST, chunked POST, HTTP/1.0",
            input: "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
                + "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
                + "POST /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
                + "\r\nGET /4 HTTP/1.0\r\n\r\n",
            expected: [
                HTTPRequest(method: .get, target: "/1", headers: ["Host": "h"]),
                HTTPRequest(method: .post, target: "/2", headers: ["Host": "h", "Content-Length": "3"], body: Array("abc".utf8)),
                HTTPRequest(method: .post, target: "/3", headers: ["Host": "h", "Transfer-Encoding": "chunked"], body: Array("de".utf8)),
                HTTPRequest(method: .get, target: "/4", version: .http1_0),
            ]),
    ]

    @Test(arguments: acceptCases)
    func accepts(_ testCase: AcceptCase) {
        let bytes = Array(http: testCase.input)
        let expected = testCase.expected.map(RequestSummary.init)
        let whole = RequestParser.outcome(of: bytes)
        #expect(whole.requests == expected)
        #expect(whole.errorStatus == nil)
        #expect(whole.unconsumed == 0)
        // Partial reads change nothing: byte by byte, and at random split points.
        #expect(RequestParser.outcomeBytewise(of: bytes) == whole)
        var random = SeededGenerator(seed: UInt64(bytes.count))
        for _ in 0..<25 {
            let splits = (0..<Int.random(in: 1...6, using: &random)).map { _ in Int.random(in: 0...bytes.count, using: &random) }
            #expect(RequestParser.outcome(of: bytes, splits: splits) == whole, "splits \(splits)")
        }
    }

    // MARK: - Rejected input

    static let small = RequestLimits(maxRequestLineLength: 64, maxHeaderBytes: 256, maxHeaderCount: 4, maxBodySize: 16)

    static let rejectCases: [RejectCase] = [
        // Field syntax (RFC 9112 §5).
        RejectCase("obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400),
        RejectCase("obs-fold with a tab", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n", 400),
        RejectCase("whitespace before the first field", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400),
        RejectCase("space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400),
        RejectCase("tab before colon", "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", 400),
        RejectCase("field line without colon", "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400),
        RejectCase("empty field name", "GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", 400),
        RejectCase("invalid char in field name", "GET / HTTP/1.1\r\nHost: h\r\nX(y): v\r\n\r\n", 400),
        RejectCase("space in field name", "GET / HTTP/1.1\r\nHost: h\r\nX y: v\r\n\r\n", 400),
        RejectCase("non-ASCII field name", "GET / HTTP/1.1\r\nHost: h\r\nX\u{e9}: v\r\n\r\n", 400),
        RejectCase("NUL in value", Array(http: "GET / HTTP/1.1\r\nHost: h\r\nX: a") + [0] + Array(http: "b\r\n\r\n"), 400),
        RejectCase("CTL in value", Array(http: "GET / HTTP/1.1\r\nHost: h\r\nX: a") + [1] + Array(http: "b\r\n\r\n"), 400),
        RejectCase("DEL in value", Array(http: "GET / HTTP/1.1\r\nHost: h\r\nX: a") + [0x7F] + Array(http: "\r\n\r\n"), 400),
        // Line endings (RFC 9112 §2.2).
        RejectCase("bare CR in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400),
        RejectCase("bare CR in the request line", "GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        RejectCase("bare CR ending the head", "GET / HTTP/1.1\r\nHost: h\r\n\r\r\n", 400),
        RejectCase("bare LF line endings", "GET / HTTP/1.1\nHost: h\n\n", 400),
        RejectCase("bare LF ending the head", "GET / HTTP/1.1\r\nHost: h\r\n\n", 400),
        RejectCase("bare LF in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\nb\r\n\r\n", 400),
        RejectCase("bare LF before the request line", "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        RejectCase("too many empty lines first", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        // Request line (RFC 9112 §3).
        RejectCase("invalid char in method", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        RejectCase("method with @", "GET@ / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        RejectCase("empty method", " / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        RejectCase("two spaces after method", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        RejectCase("trailing space after version", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400),
        RejectCase("no version", "GET /\r\nHost: h\r\n\r\n", 400),
        RejectCase("only a method", "GET\r\nHost: h\r\n\r\n", 400),
        RejectCase("NUL in target", Array(http: "GET /a") + [0] + Array(http: "b HTTP/1.1\r\nHost: h\r\n\r\n"), 400),
        RejectCase("CTL in target", Array(http: "GET /a") + [0x1B] + Array(http: " HTTP/1.1\r\nHost: h\r\n\r\n"), 400),
        RejectCase("DEL in target", Array(http: "GET /a") + [0x7F] + Array(http: " HTTP/1.1\r\nHost: h\r\n\r\n"), 400),
        RejectCase("non-ASCII in target", "GET /caf\u{e9} HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        RejectCase("tab in target", "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        RejectCase("relative target", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        RejectCase("asterisk-form for GET", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        RejectCase("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501),
        RejectCase("lowercase protocol name", "GET / http/1.1\r\nHost: h\r\n\r\n", 400),
        RejectCase("version without minor", "GET / HTTP/1\r\nHost: h\r\n\r\n", 400),
        RejectCase("two-digit version", "GET / HTTP/11.1\r\nHost: h\r\n\r\n", 400),
        RejectCase("version with letters", "GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400),
        RejectCase("HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
        RejectCase("HTTP/0.9", "GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505),
        // Host (RFC 9112 §3.2).
        RejectCase("missing Host in 1.1", "GET / HTTP/1.1\r\nX: y\r\n\r\n", 400),
        RejectCase("duplicate Host in 1.1", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400),
        RejectCase("duplicate Host in 1.0", "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400),
        // Framing (RFC 9112 §6).
        RejectCase("duplicate equal Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400),
        RejectCase("duplicate different Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
        RejectCase("Content-Length list 5, 5", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\nhello", 400),
        RejectCase("negative Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400),
        RejectCase("signed Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nhello", 400),
        RejectCase("hex Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\nhello", 400),
        RejectCase("empty Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", 400),
        RejectCase("overflowing Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", 413),
        RejectCase("Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        RejectCase("Transfer-Encoding with Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
        RejectCase("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        RejectCase("unknown coding gzip", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        RejectCase("chunked not last", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
        RejectCase("gzip before chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        RejectCase("codings over two lines", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
        RejectCase("chunked twice", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400),
        RejectCase("chunked twice over two lines", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        RejectCase("empty Transfer-Encoding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n", 400),
        RejectCase("malformed coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", 400),
        // Chunked syntax (RFC 9112 §7.1).
        RejectCase("chunk size not hex", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        RejectCase("empty chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 400),
        RejectCase("signed chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n", 400),
        RejectCase("junk after chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n", 400),
        RejectCase("chunk-size line over 1 KiB (long extension)", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=" + String(repeating: "x", count: 1100) + "\r\nhello\r\n0\r\n\r\n", 400),
        RejectCase("CTL in chunk extension", Array(http: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a") + [1] + Array(http: "\r\n"), 400),
        RejectCase("fragment in an origin-form target", "GET /basic#frag HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        RejectCase("fragment in an absolute-form target", "GET http://h/basic#frag HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        // Chunk-extension grammar (RFC 9112 §7.1.1): characters alone are not enough.
        RejectCase("chunk extension with an unterminated quoted-string", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0;a=\"x\r\n\r\n", 400),
        RejectCase("chunk extension without a name", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0;=x\r\n\r\n", 400),
        RejectCase("chunk extension with an empty value", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\r\nhello\r\n0\r\n\r\n", 400),
        RejectCase("chunk extensions not separated by a semicolon", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a b\r\nhello\r\n0\r\n\r\n", 400),
        RejectCase("chunk extension value that is not a token", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b@c\r\nhello\r\n0\r\n\r\n", 400),
        RejectCase("chunk extension quoted-string ending in a backslash", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"x\\\r\nhello\r\n0\r\n\r\n", 400),
        RejectCase("chunk extension with text after the quoted-string", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"x\"y\r\nhello\r\n0\r\n\r\n", 400),
        RejectCase("trailing semicolon in chunk extensions", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a;\r\nhello\r\n0\r\n\r\n", 400),
        RejectCase("bare LF after chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n", 400),
        RejectCase("chunk data too long", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", 400),
        RejectCase("chunk data without CRLF", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello0\r\n\r\n", 400),
        RejectCase("chunk data then bare LF", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n", 400),
        RejectCase("obs-fold in trailer", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: a\r\n b\r\n\r\n", 400),
        RejectCase("bad trailer name", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT y: a\r\n\r\n", 400),
        RejectCase("bare LF in trailer", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: a\n\r\n", 400),
        RejectCase("chunk size beyond 60 bits", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 413),
        // Expectations (RFC 9110 §10.1.1).
        RejectCase("unknown expectation", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx", 417),
        RejectCase("two expectations", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx", 417),
        // Limits.
        RejectCase("Content-Length over the limit, no body sent", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n", 413, limits: small),
        RejectCase("huge Content-Length, no body sent", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 999999999999999999\r\n\r\n", 413),
        RejectCase("chunked body over the limit", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n9\r\n", 413, limits: small),
        RejectCase("one chunk over the limit", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n", 413, limits: small),
        RejectCase("request line over the limit", "GET /" + String(repeating: "a", count: 60) + " HTTP/1.1\r\nHost: h\r\n\r\n", 414, limits: small),
        RejectCase("request line over the limit, no CRLF yet", "GET /" + String(repeating: "a", count: 200), 414, limits: small),
        RejectCase(
            "request line over the limit in a head over the limit",
            "GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "b", count: 300) + "\r\n\r\n",
            414, limits: small),
        RejectCase(
            "request line over the limit, then a bare CR",
            "GET /" + String(repeating: "a", count: 60) + " HTTP/1.1\r\nHost: h\rX\r\n\r\n", 414, limits: small),
        RejectCase(
            "head over the limit, then a bare CR",
            "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "b", count: 300) + "\rX\r\n\r\n", 431, limits: small),
        RejectCase(
            "head over the limit, then a bare LF",
            "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "b", count: 300) + "\n\r\n", 431, limits: small),
        RejectCase("bare CR before the request line limit", "GET /a\rb HTTP/1.1\r\nHost: h\r\n\r\n", 400, limits: small),
        RejectCase(
            "bare LF right at the request line limit",
            "GET /" + String(repeating: "a", count: 64 - 14) + " HTTP/1.1\nHost: h\r\n\r\n", 400, limits: small),
        RejectCase("head over the limit", "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "b", count: 300) + "\r\n\r\n", 431, limits: small),
        RejectCase("head over the limit, no end yet", "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "b", count: 300), 431, limits: small),
        RejectCase("too many header fields", "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 431, limits: small),
        RejectCase("trailer over the limit", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: " + String(repeating: "t", count: 300) + "\r\n\r\n", 431, limits: small),
        RejectCase("too many trailer fields", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n", 431, limits: small),
    ]

    @Test(arguments: rejectCases)
    func rejects(_ testCase: RejectCase) {
        let whole = RequestParser.outcome(of: testCase.input, limits: testCase.limits)
        #expect(whole.errorStatus == testCase.status, "\(whole)")
        #expect(whole.requests.isEmpty)
        // The same status however the input is split into reads.
        let bytewise = RequestParser.outcomeBytewise(of: testCase.input, limits: testCase.limits)
        #expect(bytewise.errorStatus == testCase.status, "byte by byte: \(bytewise)")
        var random = SeededGenerator(seed: UInt64(testCase.input.count) &* 31)
        for _ in 0..<10 {
            let splits = (0..<Int.random(in: 1...5, using: &random)).map { _ in Int.random(in: 0...testCase.input.count, using: &random) }
            let split = RequestParser.outcome(of: testCase.input, limits: testCase.limits, splits: splits)
            #expect(split.errorStatus == testCase.status, "splits \(splits): \(split)")
        }
    }

    // MARK: - Limits at their exact bounds

    @Test func headOfExactlyTheLimitIsAccepted() {
        let prefix = "GET / HTTP/1.1\r\nHost: h\r\nX: "
        let padding = String(repeating: "p", count: 256 - prefix.utf8.count - 4)
        let input = Array(http: prefix + padding + "\r\n\r\n")
        #expect(input.count == 256)
        let outcome = RequestParser.outcomeBytewise(of: input, limits: Self.small)
        #expect(outcome.errorStatus == nil)
        #expect(outcome.requests.count == 1)
        let oneMore = Array(http: prefix + padding + "p\r\n\r\n")
        #expect(RequestParser.outcome(of: oneMore, limits: Self.small).errorStatus == 431)
    }

    @Test func requestLineOfExactlyTheLimitIsAccepted() {
        let line = "GET /" + String(repeating: "a", count: 64 - 14) + " HTTP/1.1"
        #expect(line.utf8.count == 64)
        let outcome = RequestParser.outcomeBytewise(of: Array(http: line + "\r\nHost: h\r\n\r\n"), limits: Self.small)
        #expect(outcome.errorStatus == nil)
        let tooLong = "GET /" + String(repeating: "a", count: 64 - 13) + " HTTP/1.1\r\nHost: h\r\n\r\n"
        #expect(RequestParser.outcome(of: Array(http: tooLong), limits: Self.small).errorStatus == 414)
    }

    @Test func bodyOfExactlyTheLimitIsAccepted() {
        let body = String(repeating: "b", count: 16)
        let fixed = RequestParser.outcome(
            of: Array(http: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 16\r\n\r\n" + body), limits: Self.small)
        #expect(fixed.requests.map(\.body) == [Array(body.utf8)])
        let chunked = RequestParser.outcome(
            of: Array(http: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n\(body.prefix(8))\r\n8\r\n\(body.prefix(8))\r\n0\r\n\r\n"),
            limits: Self.small)
        #expect(chunked.requests.map(\.body) == [Array(body.utf8)])
        #expect(chunked.errorStatus == nil)
    }

    @Test func exactlyMaxHeaderCountIsAccepted() {
        let input = Array(http: "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")
        #expect(RequestParser.outcome(of: input, limits: Self.small).requests.count == 1)
    }

    // MARK: - Events and state

    @Test func contentLengthOverTheLimitComesOutWithItsHeadAndIsRefusedBeforeAnyBodyByte() throws {
        // The head goes out first so that the route can answer with its own 413; a reader that
        // asks for the body anyway gets the server's, without a byte of it buffered.
        var parser = RequestParser(limits: Self.small)
        var buffer = InputBuffer()
        buffer.append(contentsOf: Array(http: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\nabc"))
        guard case .head(let head) = try parser.next(&buffer) else {
            Issue.record("expected the head first")
            return
        }
        #expect(head.framing == .length(1000))
        do {
            _ = try parser.next(&buffer)
            Issue.record("expected 413 when the body is asked for")
        } catch let error as HTTPError {
            #expect(error.status == .contentTooLarge)
        }
        #expect(buffer.readableCount == 3, "no body byte consumed")
    }

    @Test func contentLengthNoIntegerHoldsIsRefusedWithTheHead() {
        var parser = RequestParser(limits: RequestLimits())
        var buffer = InputBuffer()
        buffer.append(contentsOf: Array(http: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n"))
        do {
            _ = try parser.next(&buffer)
            Issue.record("expected 413 as soon as the head is complete")
        } catch let error as HTTPError {
            #expect(error.status == .contentTooLarge)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func headEventPrecedesABodyAndCarriesExpectContinue() throws {
        var parser = RequestParser(limits: RequestLimits())
        var buffer = InputBuffer()
        buffer.append(contentsOf: Array(http: "POST /u HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n"))
        guard case .head(let head) = try parser.next(&buffer) else {
            Issue.record("expected a head event")
            return
        }
        #expect(head.expectsContinue)
        #expect(head.framing == .length(3))
        #expect(try parser.next(&buffer) == nil)
        #expect(!parser.isBetweenRequests)
        buffer.append(contentsOf: Array(http: "abc"))
        guard case .request(let request) = try parser.next(&buffer) else {
            Issue.record("expected the request")
            return
        }
        #expect(request.body == Array("abc".utf8))
        #expect(parser.isBetweenRequests)
    }

    @Test(arguments: [
        ("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n", true),
        ("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", false),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n", false),
    ])
    func expectContinueOnlyForHTTP11WithABody(input: String, expectsContinue: Bool) {
        #expect(RequestParser.outcome(of: Array(http: input)).heads == [expectsContinue])
    }

    @Test func unknownExpectationIsRejectedEvenInHTTP10() {
        let outcome = RequestParser.outcome(of: Array(http: "GET / HTTP/1.0\r\nExpect: x\r\n\r\n"))
        #expect(outcome.errorStatus == 417)
    }

    @Test func pipelinedInputAfterAnIncompleteRequestStaysBuffered() {
        let input = Array(http: "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHo")
        let outcome = RequestParser.outcome(of: input)
        #expect(outcome.requests.map(\.target) == ["/1"])
        #expect(outcome.unconsumed == "GET /2 HTTP/1.1\r\nHo".utf8.count)
        #expect(outcome.errorStatus == nil)
    }

    @Test func aLongChunkedBodyArrivingInSmallReadsIsParsed() {
        var head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        var expected: [UInt8] = []
        for index in 0..<200 {
            let chunk = String(repeating: String(index % 10), count: index % 37 + 1)
            head += String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n"
            expected += Array(chunk.utf8)
        }
        head += "0\r\n\r\n"
        let bytes = Array(http: head)
        let outcome = RequestParser.outcome(of: bytes, splits: Array(stride(from: 0, to: bytes.count, by: 7)))
        #expect(outcome.requests.map(\.body) == [expected])
    }

    @Test func chunkedBodyArrivingInTinyReadsCostsLinearTime() {
        // One 1 MiB chunk in 16-byte reads: 65,536 calls. Copying the body so far on each call
        // (it was held twice, by the parser's state and the local being appended to) made this
        // ~34 GB of memmove; appending in place takes well under a second even unoptimized.
        let size = 1024 * 1024
        let head = Array(http: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n")
        let tail = Array(http: "\r\n0\r\n\r\n")
        var parser = RequestParser(limits: RequestLimits(maxBodySize: size))
        var buffer = InputBuffer()
        buffer.append(contentsOf: head)
        #expect(throws: Never.self) { _ = try parser.next(&buffer) }
        let piece = [UInt8](repeating: 0x61, count: 16)
        let started = ContinuousClock.now
        var request: HTTPRequest?
        for index in 0..<(size / 16 + 1) {
            buffer.append(contentsOf: index < size / 16 ? piece : tail)
            if case .request(let complete)? = try? parser.next(&buffer) { request = complete }
            if ContinuousClock.now - started > .seconds(30) { break }
        }
        let elapsed = ContinuousClock.now - started
        #expect(request?.body.count == size)
        #expect(elapsed < .seconds(10), "quadratic: \(elapsed)")
    }

    @Test func leadingEmptyLinesAreCountedPerRequest() {
        // Four empty lines before each of several requests is fine: the allowance resets.
        let one = "\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"
        let outcome = RequestParser.outcomeBytewise(of: Array(http: one + one + one))
        #expect(outcome.requests.count == 3)
        #expect(outcome.errorStatus == nil)
    }
}
