import HTTPServer
import Testing

@testable import DemoApp

/// `X-Request-Id` is logged only as a plain, bounded token; anything else is dropped, not altered.
@Suite struct RequestIDTests {
    @Test(arguments: ["f47ac10b-58cc-4372-a567-0e02b2c3d479", "abc", "req_1:2/3+4=", String(repeating: "a", count: 128)])
    func plainTokensAreKept(value: String) {
        #expect(RequestID.sanitized(value) == value)
    }

    @Test(arguments: [
        String(repeating: "a", count: 129), "", "two words", "quote\"d", "back\\slash", "tab\there", "new\nline",
        "bell\u{7}", "del\u{7f}", "caf\u{e9}", "\u{202e}reversed", "zero\u{200b}width",
    ])
    func anythingElseIsDropped(value: String) {
        #expect(RequestID.sanitized(value) == nil, "\(value.debugDescription)")
    }

    @Test func twoFieldLinesAreAmbiguousAndNeitherIsLogged() {
        var headers = HTTPHeaders()
        headers.add("X-Request-Id", "a")
        headers.add("x-request-id", "b")
        #expect(RequestTrace(headers: headers, ids: RandomIDSource()).requestID == nil)
        #expect(RequestTrace(headers: ["X-REQUEST-ID": "a"], ids: RandomIDSource()).requestID == "a")
    }
}
