@testable import DemoApp
import Foundation
import HTTPServer
import Logging
import Synchronization
import Testing
import TestSupport

@Suite struct DemoApplicationTests {
    private func post(_ fixture: DemoFixture, body: String, contentType: String? = "application/json") async -> HTTPResponse {
        var headers: HTTPHeaders = [:]
        if let contentType { headers.add("Content-Type", contentType) }
        return await fixture.application.response(
            to: HTTPRequest(method: .post, target: "/api/visits", headers: headers, body: Array(body.utf8)))
    }

    @Test func basicRouteMatchesTheFlaskOriginal() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let response = await fixture.get("/basic")
        #expect(response.status == .ok)
        #expect(response.text == "Just a basic route, nothing here!")
        #expect(response.headers["Content-Type"] == "text/plain; charset=utf-8")
        #expect(response.headers["X-Content-Type-Options"] == "nosniff")
    }

    @Test func pageCountsEachViewAndShowsTheFacts() async throws {
        let fixture = try DemoFixture(variant: "multistage")
        defer { fixture.close() }
        _ = await fixture.get("/")
        let response = await fixture.get("/")
        #expect(response.status == .ok)
        #expect(response.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(response.headers["Content-Security-Policy"]?.contains("default-src 'none'") == true)
        let html = response.text
        #expect(html.contains("<html lang=\"en\">"))
        #expect(html.contains("<span class=\"badge\">multistage</span>"))
        #expect(html.contains("<dd id=\"visits\">2</dd>"))
        #expect(html.contains("<dd id=\"user\">\(getuid() == 0 ? "root (uid 0)" : "uid \(getuid())")</dd>"))
        #expect(html.contains("<dd id=\"swift\">6."))
        #expect(try await fixture.store.counts().byVariant == ["multistage": 2])
    }

    @Test func headOfThePageCountsNothing() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let response = await fixture.application.response(to: HTTPRequest(method: .head, target: "/"))
        #expect(response.status == .ok)
        #expect(try await fixture.store.counts().total == 0)
    }

    @Test func pageDrawsTheChartWhenSizesWereMeasured() async throws {
        let sizes = """
            {"measuredAt": "2026-11-29T03:00:00Z", "images": [
              {"variant": "naive", "bytes": 4300000000, "compressedBytes": 1300000000, "baseIsStandIn": false},
              {"variant": "alpine", "bytes": 19000000, "baseIsStandIn": true},
              {"variant": "multistage", "bytes": 16500000}]}
            """
        let fixture = try DemoFixture(variant: "alpine", files: ["image-sizes.json": sizes])
        defer { fixture.close() }
        let html = await fixture.get("/").text
        #expect(html.contains("<svg class=\"chart\""))
        #expect(html.contains("Swift naive"))
        #expect(html.contains("4.3 GB"))
        #expect(html.contains(">19 MB</text>"))
        #expect(html.contains(">serving this page · * stand-in base</text>"))
        #expect(html.contains("Flask multi-stage"))
        #expect(html.contains("65.8 MB"))
        #expect(html.contains("stand-in"))
    }

    @Test func everyValueFromImageSizesIsEscapedOnThePage() async throws {
        let hostile = #"<script>alert(1)</script>"#
        let sizes = """
            {"measuredAt": "\(hostile)", "images": [
              {"variant": "<img src=x onerror=alert(2)>", "bytes": 19000000, "baseIsStandIn": true, "baseKind": "<b>bold</b>",
               "withOfficialBase": {"bytes": 25400000, "source": "<script>alert(3)</script> (repo-info)"}},
              {"variant": "multistage\\"><svg onload=alert(4)>", "bytes": 16500000, "baseIsStandIn": true,
               "withOfficialBase": {"bytes": 16500000, "source": "a&b \\"quoted\\" 'single'"}}]}
            """
        let fixture = try DemoFixture(variant: "alpine", files: ["image-sizes.json": sizes])
        defer { fixture.close() }
        let html = await fixture.get("/").text
        #expect(html.contains("<svg class=\"chart\""), "the hostile file still draws a chart")
        for raw in ["<script", "<img src=x", "<b>", "<svg onload", "\"quoted\"", "'single'", "a&b"] {
            #expect(!html.contains(raw), "\(raw) reached the page unescaped")
        }
        #expect(html.contains("published size (&lt;script&gt;alert; a&amp;b &quot;quoted&quot; &#39;single&#39;)"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("a&amp;b"))
    }

    @Test func pageExplainsHowToMeasureWhenNoSizesExist() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let html = await fixture.get("/").text
        #expect(!html.contains("<svg class=\"chart\""))
        #expect(html.contains("scripts/compare-images.sh"))
    }

    @Test func visitsAPIRecordsAndReports() async throws {
        let fixture = try DemoFixture(variant: "local")
        defer { fixture.close() }
        let created = await post(fixture, body: "")
        #expect(created.status == .created)
        #expect(created.text == "{\"total\":1,\"byVariant\":{\"local\":1}}\n")
        let named = await post(fixture, body: "{\"variant\": \"laptop\"}")
        #expect(named.status == .created)
        let counts = await fixture.get("/api/visits")
        #expect(counts.status == .ok)
        #expect(counts.headers["Content-Type"] == "application/json")
        #expect(counts.text == "{\"total\":2,\"byVariant\":{\"laptop\":1,\"local\":1}}\n")
        #expect(await post(fixture, body: "{\"variant\": null}", contentType: "application/json; charset=utf-8").status == .created)
    }

    @Test func aNewVariantBeyondTheLimitIsRefusedAndRecordsNothing() async throws {
        let fixture = try DemoFixture(variant: "local", maxVariants: 3)
        defer { fixture.close() }
        #expect(await fixture.post("{\"variant\": \"a\"}").status == .created)
        #expect(await fixture.post("{\"variant\": \"b\"}").status == .created)
        let refused = await fixture.post("{\"variant\": \"c\"}")
        #expect(refused.status == .unprocessableContent)
        #expect(refused.headers["Content-Type"] == "application/json")
        #expect(refused.text.contains("too many variants"))
        #expect(refused.text.contains("at most 3"))
        // Names already counted, and the service's own, are still counted.
        #expect(await fixture.post("{\"variant\": \"a\"}").status == .created)
        #expect(await fixture.post("").status == .created)
        #expect(await fixture.get("/").status == .ok)
        #expect(try await fixture.store.counts() == VisitCounts(total: 5, byVariant: ["a": 2, "b": 1, "local": 2]))
    }

    @Test func theVariantLimitCountsNamesAnotherProcessRecorded() async throws {
        let fixture = try DemoFixture(variant: "local", maxVariants: 3)
        defer { fixture.close() }
        // Another process on the same database counted two names this one has never seen.
        let other = try SQLiteVisitStore(path: fixture.databasePath, logger: DemoFixture.silentLogger)
        _ = try await other.recordVisit(variant: "x")
        _ = try await other.recordVisit(variant: "y")
        other.close()
        #expect(await fixture.post("{\"variant\": \"z\"}").status == .unprocessableContent)
        #expect(await fixture.post("{\"variant\": \"x\"}").status == .created)
        #expect(try await fixture.store.counts().total == 3)
    }

    @Test func postAnswersCarryTheTotalAndTheirOwnVariantOnly() async throws {
        let fixture = try DemoFixture(variant: "local")
        defer { fixture.close() }
        for index in 0..<20 { #expect(await fixture.post("{\"variant\": \"v\(index)\"}").status == .created) }
        let answer = await fixture.post("{\"variant\": \"v3\"}")
        #expect(answer.status == .created)
        #expect(answer.text == "{\"total\":21,\"byVariant\":{\"v3\":2}}\n")
        let all = await fixture.get("/api/visits")
        #expect(all.text.hasPrefix("{\"total\":21,\"byVariant\":{\"v0\":1,\"v1\":1,"))
    }

    @Test func readinessFollowsAFailedWriteUntilAWriteSucceedsAgain() async throws {
        let fixture = try DemoFixture(busyTimeoutMilliseconds: 20)
        defer { fixture.close() }
        #expect(await fixture.get("/readyz").status == .ok)
        // Another connection holds the write lock: every commit fails, as on a full disk, while
        // reads still work.
        let blocker = try SQLiteDatabase(path: fixture.databasePath)
        defer { blocker.close() }
        try blocker.execute("BEGIN IMMEDIATE")
        let refused = await fixture.post("")
        #expect(refused.status == .serviceUnavailable)
        #expect(refused.headers["Retry-After"] != nil)
        let page = await fixture.get("/")
        #expect(page.status == .serviceUnavailable)
        #expect(page.headers["Retry-After"] != nil)
        let notReady = await fixture.get("/readyz")
        #expect(notReady.status == .serviceUnavailable)
        #expect(notReady.headers["Retry-After"] != nil)
        #expect(await fixture.get("/api/visits").status == .ok, "reads still work")
        #expect(await fixture.get("/readyz").status == .serviceUnavailable, "still not ready: writes still fail")
        try blocker.execute("ROLLBACK")
        // Nothing else writes: the probe's own write brings readiness back, and counts nothing.
        #expect(await fixture.get("/readyz").status == .ok)
        #expect(try await fixture.store.counts() == .zero)
    }

    @Test func everyServiceUnavailableAnswerCarriesRetryAfter() async throws {
        let temporary = try TemporaryDirectory(prefix: "failing-")
        defer { temporary.remove() }
        let directory = temporary.path
        let application = try DemoApplication(
            configuration: DemoConfiguration(publicDirectory: directory, imageVariant: "test"),
            store: FailingVisitStore(), serverStatistics: ServerStatistics(), logger: DemoFixture.silentLogger, accessLogger: nil)
        for (method, target) in [(HTTPMethod.get, "/"), (.get, "/readyz"), (.get, "/api/visits"), (.post, "/api/visits")] {
            let response = await application.response(to: HTTPRequest(method: method, target: target))
            #expect(response.status == .serviceUnavailable, "\(method) \(target)")
            #expect(response.headers["Retry-After"] == "5", "\(method) \(target)")
        }
        application.beginShutdown()
        #expect(await application.response(to: HTTPRequest(method: .get, target: "/readyz")).headers["Retry-After"] == "5")
    }

    @Test(arguments: [
        ("{\"variant\": ", "application/json", 400, "not valid JSON"),
        ("[1, 2]", "application/json", 400, "JSON object"),
        ("\"text\"", "application/json", 400, "JSON object"),
        ("{\"variant\": 5}", "application/json", 400, "must be a string"),
        ("{\"variant\": \"UPPER\"}", "application/json", 400, "1-32 characters"),
        ("{\"variant\": \"<script>\"}", "application/json", 400, "1-32 characters"),
        ("{\"variant\": \"\"}", "application/json", 400, "1-32 characters"),
        ("{\"varient\": \"typo\"}", "application/json", 400, "unknown field"),
        ("{\"variant\": \"ok\"}", "text/plain", 415, "application/json"),
        ("{\"variant\": \"ok\"}", "", 415, "application/json"),
    ])
    func visitsAPIRefusesBadBodies(body: String, contentType: String, status: Int, message: String) async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let response = await post(fixture, body: body, contentType: contentType.isEmpty ? nil : contentType)
        #expect(response.status.code == status)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.text.hasPrefix("{\"error\":"))
        #expect(response.text.contains(message))
        #expect(try await fixture.store.counts().total == 0, "a refused request must write nothing")
    }

    @Test func visitsAPIRefusesBodiesOverOneKibibyte() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let body = "{\"variant\": \"" + String(repeating: "a", count: 1100) + "\"}"
        let response = await post(fixture, body: body)
        #expect(response.status == .contentTooLarge)
        #expect(try await fixture.store.counts().total == 0)
    }

    @Test func unknownPathsAreNotFoundAsHTMLOrJSON() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let page = await fixture.get("/nope")
        #expect(page.status == .notFound)
        #expect(page.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(page.text.contains("404"))
        let api = await fixture.get("/api/nope")
        #expect(api.status == .notFound)
        #expect(api.headers["Content-Type"] == "application/json")
        #expect(api.text.hasPrefix("{\"error\":"))
    }

    @Test func wrongMethodsGet405WithAllow() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let delete = await fixture.application.response(to: HTTPRequest(method: .delete, target: "/api/visits"))
        #expect(delete.status == .methodNotAllowed)
        #expect(delete.headers["Allow"] == "GET, HEAD, POST, OPTIONS")
        #expect(delete.headers["Content-Type"] == "application/json")
        let putPage = await fixture.application.response(to: HTTPRequest(method: .put, target: "/basic", headers: ["Content-Length": "0"]))
        #expect(putPage.status == .methodNotAllowed)
        #expect(putPage.headers["Content-Type"] == "text/html; charset=utf-8")
        let postFile = await fixture.application.response(to: HTTPRequest(method: .post, target: "/style.css"))
        #expect(postFile.status == .methodNotAllowed)
        #expect(postFile.headers["Allow"] == "GET, HEAD")
        let options = await fixture.application.response(to: HTTPRequest(method: .options, target: "/api/visits"))
        #expect(options.status == .noContent)
        #expect(options.headers["Allow"] == "GET, HEAD, POST, OPTIONS")
    }

    @Test func staticFilesAreServedAndTraversalIsNot() async throws {
        let fixture = try DemoFixture(files: ["style.css": "body{}", ".env": "SECRET"])
        defer { fixture.close() }
        #expect(await fixture.get("/style.css").text == "body{}")
        for path in ["/.env", "/../Public/style.css", "/%2e%2e/data/visits.sqlite", "/%252e%252e/data/visits.sqlite", "/..%5cdata"] {
            #expect(await fixture.get(path).status == .notFound, "\(path)")
        }
    }

    @Test func probesReportLivenessAndReadiness() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        #expect(await fixture.get("/livez").status == .ok)
        #expect(await fixture.get("/healthz").status == .ok)
        #expect(await fixture.get("/readyz").status == .ok)
        fixture.application.beginShutdown()
        #expect(await fixture.get("/readyz").status == .serviceUnavailable)
        // Liveness stays 200 while draining: a restart now would cut the in-flight requests.
        #expect(await fixture.get("/livez").status == .ok)
        #expect(await fixture.get("/healthz").status == .ok)
    }

    @Test func aFailingDatabaseGives503NotACrash() async throws {
        let temporary = try TemporaryDirectory(prefix: "failing-")
        defer { temporary.remove() }
        let directory = temporary.path
        let application = try DemoApplication(
            configuration: DemoConfiguration(publicDirectory: directory, imageVariant: "test"),
            store: FailingVisitStore(), serverStatistics: ServerStatistics(), logger: DemoFixture.silentLogger, accessLogger: nil)
        #expect(await application.response(to: HTTPRequest(method: .get, target: "/")).status == .serviceUnavailable)
        #expect(await application.response(to: HTTPRequest(method: .get, target: "/readyz")).status == .serviceUnavailable)
        let api = await application.response(to: HTTPRequest(method: .get, target: "/api/visits"))
        #expect(api.status == .serviceUnavailable)
        #expect(api.text.contains("\"error\""))
        #expect(!api.text.contains("Failure"), "no internals in the body")
    }

    @Test func metricsCountRequestsByRouteAndStatus() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        _ = await fixture.get("/basic")
        _ = await fixture.get("/basic")
        _ = await fixture.get("/nope")
        _ = await post(fixture, body: "")
        let response = await fixture.get("/metrics")
        #expect(response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8")
        let text = response.text
        #expect(text.contains("http_requests_total{route=\"/basic\",method=\"GET\",status=\"2xx\"} 2"))
        #expect(text.contains("http_requests_total{route=\"unmatched\",method=\"GET\",status=\"4xx\"} 1"))
        #expect(text.contains("http_requests_total{route=\"/api/visits\",method=\"POST\",status=\"2xx\"} 1"))
        #expect(text.contains("http_request_duration_seconds_count{route=\"/basic\"} 2"))
        #expect(text.contains("http_request_duration_seconds_bucket{route=\"/basic\",le=\"+Inf\"} 2"))
        #expect(text.contains("http_open_connections 0"))
        #expect(text.contains("demo_visits_total 1"))
        #expect(text.contains("demo_build_info{version=\"\(DemoVersion.current)\""))
        #expect(text.contains("process_resident_memory_bytes "))
    }

    @Test func requestsTheServerRejectedAreCountedWithoutADuration() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        fixture.application.requestRejected(HTTPError(.badRequest, "invalid field name"), remoteAddress: "192.0.2.1")
        fixture.application.requestRejected(HTTPError(.requestTimeout, "too slow"), remoteAddress: "192.0.2.1")
        fixture.application.requestRejected(HTTPError(.uriTooLong, "request line too long"), remoteAddress: "192.0.2.2")
        let text = await fixture.get("/metrics").text
        #expect(text.contains("http_requests_total{route=\"rejected\",method=\"other\",status=\"4xx\"} 3"))
        #expect(!text.contains("http_request_duration_seconds_count{route=\"rejected\"}"))
    }

    /// Every line logged, with the logger's metadata and the event's merged.
    private final class LogLines: Sendable {
        let lines = Mutex<[(label: String, message: String, metadata: Logger.Metadata)]>([])
        func logger(_ label: String) -> Logger { Logger(label: label) { label in Handler(label: label, lines: self) } }

        struct Handler: LogHandler {
            let label: String
            let lines: LogLines
            var logLevel: Logger.Level = .trace
            var metadata: Logger.Metadata = [:]
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) {
                let merged = metadata.merging(event.metadata ?? [:]) { $1 }
                lines.lines.withLock { $0.append((label, event.message.description, merged)) }
            }
        }
    }

    @Test func anErrorWhileServingARequestIsLoggedWithItsTraceLikeItsAccessLine() async throws {
        let temporary = try TemporaryDirectory(prefix: "traced-")
        defer { temporary.remove() }
        let directory = temporary.path
        let log = LogLines()
        let application = try DemoApplication(
            configuration: DemoConfiguration(publicDirectory: directory, imageVariant: "test"),
            store: FailingVisitStore(), serverStatistics: ServerStatistics(), logger: log.logger("app"),
            accessLogger: log.logger("access"))
        let headers: HTTPHeaders = ["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "X-Request-Id": "r-1"]
        let response = await application.response(to: HTTPRequest(method: .get, target: "/api/visits", headers: headers))
        #expect(response.status == .serviceUnavailable)
        let lines = log.lines.withLock { $0 }
        let error = try #require(lines.first { $0.label == "app" && $0.message == "visit store failed" })
        let access = try #require(lines.first { $0.label == "access" })
        #expect(error.metadata["trace_id"] == "0af7651916cd43dd8448eb211c80319c")
        #expect(error.metadata["request_id"] == "r-1")
        #expect(error.metadata["span_id"] != nil)
        #expect(error.metadata["span_id"] == access.metadata["span_id"], "one request, one span")
        #expect(access.metadata["trace_id"] == "0af7651916cd43dd8448eb211c80319c")
    }
}
