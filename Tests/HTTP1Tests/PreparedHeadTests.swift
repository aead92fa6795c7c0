@testable import HTTP1
import Testing

/// A prepared response goes on the wire exactly as the same response encoded per request.
@Suite struct PreparedHeadTests {
    @Test(arguments: [true, false])
    func preparedAndUnpreparedHeadsAreTheSameBytes(keepAlive: Bool) {
        var response = HTTPResponse.text("body", status: .created)
        response.headers.add("X-Line", "a\r\nInjected: yes")
        response.headers.add("Content-Length", "999")
        response.headers.add("Bad Name", "v")
        var encoder = ResponseHeadEncoder()
        let plain = encoder.encode(response, keepAlive: keepAlive, requestVersion: .http1_0, nowEpochSeconds: 1_700_000_000)
        let prepared = encoder.encode(response.prepared(), keepAlive: keepAlive, requestVersion: .http1_0, nowEpochSeconds: 1_700_000_000)
        #expect(plain == prepared)
        let text = String(decoding: prepared, as: UTF8.self)
        #expect(!text.contains("\r\nInjected"))
        #expect(text.contains("Content-Length: 4\r\n"))
        #expect(!text.contains("999"))
    }

    @Test func encoderReusesItsBufferOnlyWhenTheLastHeadWasLetGo() {
        var encoder = ResponseHeadEncoder()
        let response = HTTPResponse.text("x").prepared()
        let held = encoder.encode(response, keepAlive: true, requestVersion: .http1_1, nowEpochSeconds: 1)
        let next = encoder.encode(HTTPResponse.text("longer body", status: .created), keepAlive: false, requestVersion: .http1_1, nowEpochSeconds: 1)
        // The first head is still held: encoding the second must not have written into it.
        #expect(String(decoding: held, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(String(decoding: next, as: UTF8.self).hasPrefix("HTTP/1.1 201 Created\r\n"))
    }
}
