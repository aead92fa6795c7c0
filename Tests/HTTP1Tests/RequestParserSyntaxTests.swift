import Testing

@testable import HTTP1

/// The RFC 9110/9112 rules a review found the parser breaking: Host validation, absolute-form
/// authority, transfer-coding order, numeric fields with leading zeros, bodies without a length,
/// CONNECT and asterisk-form, and chunk framing overhead. Each status must not depend on how the
/// bytes are split into reads.
@Suite struct RequestParserSyntaxTests {
    private static func expectStatus(_ input: String, _ status: Int, limits: RequestLimits = RequestLimits()) {
        let whole = RequestParser.outcome(of: Array(input.utf8), limits: limits)
        #expect(whole.errorStatus == status, "\(input.debugDescription): \(whole)")
        #expect(whole.requests.isEmpty)
        let bytewise = RequestParser.outcomeBytewise(of: Array(input.utf8), limits: limits)
        #expect(bytewise.errorStatus == status, "byte by byte \(input.debugDescription): \(bytewise)")
    }

    private static func onlyRequest(_ input: String, limits: RequestLimits = RequestLimits()) -> RequestSummary? {
        let whole = RequestParser.outcome(of: Array(input.utf8), limits: limits)
        #expect(whole.errorStatus == nil, "\(input.debugDescription): \(whole)")
        #expect(whole == RequestParser.outcomeBytewise(of: Array(input.utf8), limits: limits))
        #expect(whole.requests.count == 1)
        return whole.requests.first
    }

    // MARK: - Host (RFC 9112 §3.2, RFC 9110 §7.2, RFC 3986 §3.2.2)

    @Test(arguments: [
        "a b/c@d", "a/b", "user@host", "host:80x", "ho st", "[::1", "[::1]x", "[::g]", "[1:2:3:4:5:6:7:8:9]",
        "[fe80::1%25eth0]", "host:8080:1", "%zz", "a\"b", "<x>", "[v1.]", "[]",
    ])
    func invalidHostValueIsRejected(host: String) {
        Self.expectStatus("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n", 400)
        // HTTP/1.0 does not need Host, but one that is sent must be valid too.
        Self.expectStatus("GET / HTTP/1.0\r\nHost: \(host)\r\n\r\n", 400)
    }

    @Test(arguments: [
        "example.com", "example.com:8080", "example.com:", "127.0.0.1:80", "[::1]", "[::1]:8080", "[2001:db8::7]",
        "[::ffff:192.0.2.1]", "[1:2:3:4:5:6:7:8]", "[v7.fe:x]", "xn--bcher-kva.example", "a%41b", "sub_domain.local", "",
    ])
    func validHostValueIsAccepted(host: String) {
        let request = Self.onlyRequest("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n")
        #expect(request?.headers == ["Host: \(host)"])
    }

    @Test func missingOrRepeatedHostIsRejected() {
        Self.expectStatus("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400)
        Self.expectStatus("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400)
        Self.expectStatus("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400)
    }

    // MARK: - absolute-form (RFC 9112 §3.2.2, RFC 9110 §4.2)

    @Test func absoluteFormAuthorityReplacesHost() {
        let request = Self.onlyRequest("GET http://example.com:8080/a?b=c HTTP/1.1\r\nHost: other.example\r\nX: 1\r\n\r\n")
        #expect(request?.path == "/a")
        #expect(request?.query == "b=c")
        #expect(request?.headers.sorted() == ["Host: example.com:8080", "X: 1"])
        #expect(Self.onlyRequest("GET HTTPS://[::1]?q HTTP/1.1\r\nHost: h\r\n\r\n")?.path == "/")
    }

    @Test(arguments: [
        "http:///etc/passwd", "http://", "https://?x", "http://user@example.com/", "http://a b/", "http://:80/",
        "http://exa%mple/", "ftp://example.com/", "http:/x",
    ])
    func absoluteFormWithoutAValidHostIsRejected(target: String) {
        Self.expectStatus("GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n", 400)
    }

    @Test func absoluteFormStillNeedsAHostField() {
        Self.expectStatus("GET http://example.com/ HTTP/1.1\r\n\r\n", 400)
        Self.expectStatus("GET http://example.com/ HTTP/1.1\r\nHost: a b\r\n\r\n", 400)
    }

    // MARK: - CONNECT and asterisk-form (RFC 9110 §9.3.6-9.3.7, RFC 9112 §3.2.3-3.2.4)

    @Test func connectIsNotImplemented() {
        Self.expectStatus("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501)
        Self.expectStatus("CONNECT [::1]:443 HTTP/1.1\r\nHost: h\r\n\r\n", 501)
    }

    @Test(arguments: ["/", "*", "example.com", "http://example.com/", "a b:1", ":443", "[::1]", "example.com:"])
    func connectWithoutAnAuthorityFormTargetIsMalformed(target: String) {
        Self.expectStatus("CONNECT \(target) HTTP/1.1\r\nHost: h\r\n\r\n", 400)
    }

    @Test(arguments: ["GET", "HEAD", "POST", "DELETE", "TRACE"])
    func asteriskFormIsOnlyForOptions(method: String) {
        Self.expectStatus("\(method) * HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", 400)
    }

    // MARK: - Transfer-Encoding (RFC 9112 §6.1, §6.3, §7)

    @Test(arguments: [
        "gzip", "chunked, gzip", "chunked;x=1", "identity", ",", "chunked, chunked", "gzip;q=\"a,b\", chunked", "gzip x, chunked",
    ])
    func transferCodingsWithoutAFinalChunkedAreMalformed(codings: String) {
        Self.expectStatus("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \(codings)\r\n\r\n", 400)
    }

    @Test func chunkedAfterTwoFieldLinesWithAnotherCodingLastIsMalformed() {
        Self.expectStatus("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400)
    }

    @Test(arguments: ["gzip, chunked", "x-custom;level=\"9\" , chunked", "deflate;a=b, gzip, chunked"])
    func unknownCodingBeforeChunkedIsNotImplemented(codings: String) {
        Self.expectStatus("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \(codings)\r\n\r\n", 501)
    }

    @Test func emptyListElementsAroundChunkedAreIgnored() {
        let request = Self.onlyRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: , chunked,\r\n\r\n1\r\nx\r\n0\r\n\r\n")
        #expect(request?.body == Array("x".utf8))
    }

    // MARK: - Numeric fields (RFC 9110 §8.6, RFC 9112 §7.1)

    @Test func contentLengthWithLeadingZerosIsItsValue() {
        let request = Self.onlyRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0000000000000000002\r\n\r\nhi")
        #expect(request?.body == Array("hi".utf8))
        let padded = String(repeating: "0", count: 4000) + "3"
        #expect(Self.onlyRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \(padded)\r\n\r\nabc")?.body == Array("abc".utf8))
    }

    @Test func contentLengthIsBoundedByValueNotDigits() {
        Self.expectStatus("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 00000000000000000000000000017\r\n\r\n", 413,
                          limits: RequestLimits(maxBodySize: 16))
        Self.expectStatus("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 184467440737095516160\r\n\r\n", 413)
        Self.expectStatus("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \(String(repeating: "9", count: 400))\r\n\r\n", 413)
        // Syntax first: a malformed number is 400 however large its digits are.
        Self.expectStatus("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999x\r\n\r\n", 400)
        Self.expectStatus("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n", 400)
    }

    @Test func chunkSizeWithLeadingZerosIsItsValue() {
        let request = Self.onlyRequest(
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0000000000000001\r\nx\r\n"
                + String(repeating: "0", count: 900) + "2;e=1\r\nyz\r\n00000000000000000000\r\n\r\n")
        #expect(request?.body == Array("xyz".utf8))
    }

    @Test func chunkSizeIsBoundedByValueNotDigits() {
        let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        Self.expectStatus(head + "FFFFFFFFFFFFFFFFFFFFFFFF\r\n", 413)
        Self.expectStatus(head + "000000000000000000011\r\n", 413, limits: RequestLimits(maxBodySize: 16))
        Self.expectStatus(head + "8\r\n12345678\r\n0000009\r\n", 413, limits: RequestLimits(maxBodySize: 16))
    }

    // MARK: - Bodies without a length (RFC 9112 §6.3 item 7)

    @Test(arguments: ["POST", "PUT", "PATCH", "DELETE"])
    func requestWithoutContentLengthOrTransferEncodingHasAnEmptyBody(method: String) {
        let outcome = RequestParser.outcome(of: Array("\(method) /p HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        #expect(outcome.errorStatus == nil)
        #expect(outcome.requests.map(\.method) == [method, "GET"])
        #expect(outcome.requests.first?.body == [])
        #expect(outcome.heads.isEmpty, "no 100 Continue and no body state for an empty body")
    }

    // MARK: - Chunk framing overhead

    @Test func longExtensionsOnTinyChunksAreCutOff() {
        let extensionText = ";e=" + String(repeating: "x", count: 1000)
        var input = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        for _ in 0..<40 { input += "1\(extensionText)\r\nx\r\n" }
        input += "0\r\n\r\n"
        Self.expectStatus(input, 400)
        let outcome = RequestParser.outcome(of: Array(input.utf8))
        // Cut off within the allowance, not after all 40 KiB.
        #expect(outcome.unconsumed > input.utf8.count - 20 * 1024, "\(outcome)")
    }

    @Test func oneBytePerChunkWithoutExtensionsIsAccepted() {
        var input = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        for _ in 0..<20_000 { input += "1\r\nx\r\n" }
        input += "0\r\n\r\n"
        let outcome = RequestParser.outcome(of: Array(input.utf8), limits: RequestLimits(maxBodySize: 32 * 1024))
        #expect(outcome.errorStatus == nil)
        #expect(outcome.requests.first?.body.count == 20_000)
    }

    @Test func shortExtensionsOnLargeChunksAreAccepted() {
        let data = String(repeating: "d", count: 4096)
        var input = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        for _ in 0..<64 { input += "1000;name=\"" + String(repeating: "v", count: 900) + "\"\r\n" + data + "\r\n" }
        input += "0\r\n\r\n"
        let outcome = RequestParser.outcome(of: Array(input.utf8), limits: RequestLimits(maxBodySize: 1024 * 1024))
        #expect(outcome.errorStatus == nil)
        #expect(outcome.requests.first?.body.count == 64 * 4096)
    }
}
