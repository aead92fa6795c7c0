import Testing

@testable import HTTP1

/// Found by the parser fuzzer (2026-12-02): `GET HTTP://htt HTTP/1.0` with as many fields as the
/// limit allows came out with one field more than the limit, which the fuzz target's invariant
/// took for a broken limit. An HTTP/1.0 request need not send Host, and an absolute-form target's
/// authority becomes the Host field (RFC 9112 §3.2.2), so the parser adds it. The limit counts
/// the field lines the client sent; the one the parser adds must neither be refused nor let a
/// client send more than the limit.
@Suite struct FieldCountLimitTests {
    static let limits = RequestLimits(maxRequestLineLength: 48, maxHeaderBytes: 160, maxHeaderCount: 6, maxBodySize: 48)

    static func fields(_ count: Int) -> String {
        (1...count).map { "F\($0): v\r\n" }.joined()
    }

    @Test func http10AbsoluteFormWithoutHostGetsTheAuthorityAsHostBeyondTheReceivedLimit() {
        let input = Array("GET http://example.com/a HTTP/1.0\r\n\(Self.fields(6))\r\n".utf8)
        let outcome = RequestParser.outcome(of: input, limits: Self.limits)
        #expect(outcome.errorStatus == nil, "\(outcome)")
        #expect(outcome == RequestParser.outcomeBytewise(of: input, limits: Self.limits))
        let headers = outcome.requests.first?.headers ?? []
        #expect(headers.count == 7)
        #expect(headers.filter { $0.hasPrefix("Host: ") } == ["Host: example.com"])
    }

    @Test func oneFieldPastTheLimitIsStillRefusedWithAnAbsoluteFormTarget() {
        let input = Array("GET http://example.com/a HTTP/1.0\r\n\(Self.fields(7))\r\n".utf8)
        #expect(RequestParser.outcome(of: input, limits: Self.limits).errorStatus == 431)
        #expect(RequestParser.outcomeBytewise(of: input, limits: Self.limits).errorStatus == 431)
    }
}
