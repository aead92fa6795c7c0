import HTTPServer
import Testing

@testable import DemoApp

/// Probes, metrics and the visit API describe the process's state now: `Cache-Control: no-store`
/// on every answer, errors included, so no cache replays a stale health or count.
@Suite struct CacheControlTests {
    @Test(arguments: [
        (HTTPMethod.get, "/livez"), (.get, "/healthz"), (.get, "/readyz"), (.get, "/metrics"), (.get, "/api/visits"), (.post, "/api/visits"),
        (.delete, "/api/visits"), (.get, "/api/unknown"), (.head, "/healthz"), (.options, "/metrics"),
    ])
    func liveStateIsNeverStored(method: HTTPMethod, target: String) async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let response = await fixture.application.response(to: HTTPRequest(method: method, target: target))
        #expect(response.headers["Cache-Control"] == "no-store", "\(method) \(target) → \(response.status.code)")
    }

    @Test func staticFilesStillRevalidate() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        #expect(await fixture.get("/style.css").headers["Cache-Control"] == "no-cache")
    }

    @Test func serverWideOptionsListsTheDemosMethods() throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        #expect(fixture.application.supportedMethods.map(\.rawValue) == ["GET", "HEAD", "POST", "OPTIONS"])
    }
}
