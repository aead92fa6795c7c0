import DemoApp
import Foundation
import HTTPServer
import Testing

/// Answers sent with their heads encoded once (fixed routes, cached static files) carry every
/// field an answer built per request carries.
@Suite struct PreparedResponseTests {
    @Test func cachedStaticFileIsPreparedAndKeepsTheSecurityHeaders() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let first = await fixture.get("/style.css")
        let second = await fixture.get("/style.css")
        for response in [first, second] {
            #expect(response.status == .ok)
            #expect(response.headers["Content-Type"] == "text/css; charset=utf-8")
            #expect(response.headers["X-Content-Type-Options"] == "nosniff")
            #expect(response.headers["Referrer-Policy"] == "no-referrer")
            #expect(response.headers["Cache-Control"] == "no-cache")
            #expect(response.headers["ETag"] != nil)
            #expect(response.headers.values("X-Content-Type-Options").count == 1)
        }
        #expect(second.isPrepared)
        #expect(first.text == second.text)
        #expect(first.headers["ETag"] == second.headers["ETag"])
    }

    @Test func notModifiedCarriesTheSecurityHeadersWithoutContentType() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let etag = try #require(await fixture.get("/style.css").headers["ETag"])
        let response = await fixture.application.response(
            to: HTTPRequest(method: .get, target: "/style.css", headers: ["Host": "x", "If-None-Match": etag]))
        #expect(response.status == .notModified)
        #expect(response.headers["Content-Type"] == nil)
        #expect(response.headers["X-Content-Type-Options"] == "nosniff")
        #expect(response.headers["ETag"] == etag)
    }

    @Test func fixedAnswersArePreparedAndComplete() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let basic = await fixture.get("/basic")
        #expect(basic.isPrepared)
        #expect(basic.headers["Referrer-Policy"] == "no-referrer")
        let health = await fixture.get("/healthz")
        #expect(health.isPrepared)
        #expect(health.headers["Cache-Control"] == "no-store")
        #expect(health.headers["X-Content-Type-Options"] == "nosniff")
    }

    @Test func changingTheStatusOrAFieldDropsThePreparedHead() {
        let prepared = HTTPResponse.text("hello").prepared()
        #expect(prepared.isPrepared)
        var withField = prepared
        withField.headers.add("X-Extra", "1")
        #expect(!withField.isPrepared)
        var withStatus = prepared
        withStatus.status = .created
        #expect(!withStatus.isPrepared)
        var withBody = prepared
        withBody.body = .bytes(Array("other".utf8))
        #expect(withBody.isPrepared, "the body is not part of the encoded head")
    }
}
