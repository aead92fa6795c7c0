import DemoApp
import Foundation
import HTTPServer
import Testing

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
        #expect(await fixture.get("/healthz").status == .ok)
        #expect(await fixture.get("/readyz").status == .ok)
        fixture.application.beginShutdown()
        #expect(await fixture.get("/readyz").status == .serviceUnavailable)
        #expect(await fixture.get("/healthz").status == .ok)
    }

    @Test func aFailingDatabaseGives503NotACrash() async throws {
        let directory = NSTemporaryDirectory() + "failing-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
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
}
