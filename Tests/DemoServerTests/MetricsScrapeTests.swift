import Foundation
import Testing
import TestSupport

/// `/metrics` of the real server after real traffic: the standard process metrics present and
/// sane, both formats served as asked.
@Suite(.serialized) struct MetricsScrapeTests {
    /// The samples of a scrape by series (name with labels), comments skipped.
    static func samples(_ text: String) -> [String: Double] {
        var result: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            result[String(line[..<space])] = value
        }
        return result
    }

    @Test func processMetricsArePresentAndSane() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let started = Date().timeIntervalSince1970
        try server.start()
        for path in ["/", "/basic", "/style.css", "/nope"] { _ = try TestClient.get(port: server.port, path) }
        let scrape = try TestClient.get(port: server.port, "/metrics")
        #expect(scrape.header("content-type") == "text/plain; version=0.0.4; charset=utf-8")
        let samples = Self.samples(scrape.text)
        let open = try #require(samples["process_open_fds"])
        let max = try #require(samples["process_max_fds"])
        let resident = try #require(samples["process_resident_memory_bytes"])
        let virtual = try #require(samples["process_virtual_memory_bytes"])
        let cpu = try #require(samples["process_cpu_seconds_total"])
        let start = try #require(samples["process_start_time_seconds"])
        // The listener, the epoll and event descriptors, the database and its WAL, the scrape's
        // own connection: more than stdin, stdout and stderr, and within the limit.
        #expect(open > 3 && open <= max)
        #expect(resident > 0 && resident <= virtual)
        #expect(cpu >= 0)
        // procfs has tick (10 ms) resolution: generous bounds, no timing assertion on the server.
        #expect(start >= started - 5 && start <= Date().timeIntervalSince1970 + 5)
        #expect(samples["demo_visits_total"] == 1)
        #expect(scrape.text.contains("# TYPE demo_visits_total counter"))
        #expect(server.stop() == 0)
    }

    @Test func openMetricsIsServedWhenAskedFor() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        _ = try TestClient.get(port: server.port, "/basic")
        let scrape = try TestClient.get(
            port: server.port, "/metrics",
            headers: ["Accept": "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"])
        #expect(scrape.header("content-type") == "application/openmetrics-text; version=1.0.0; charset=utf-8")
        #expect(scrape.header("vary") == "Accept")
        #expect(scrape.text.hasSuffix("# EOF\n"))
        #expect(scrape.text.contains("# TYPE http_requests counter\n"))
        #expect(scrape.text.contains("# TYPE demo_build info\n"))
        #expect(Self.samples(scrape.text)["process_open_fds"] != nil)
        #expect(server.stop() == 0)
    }
}
