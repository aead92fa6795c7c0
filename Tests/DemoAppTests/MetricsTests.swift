import HTTPServer
import Testing

@testable import DemoApp

/// The whole exposition as the server renders it: each family declared once before its samples,
/// counters named as each format names them, client-influenced label values escaped.
@Suite struct MetricsTests {
    static func render(_ format: MetricsExposition.Format, variant: String = "test") -> String {
        let metrics = Metrics()
        metrics.observe(route: .basic, method: .get, status: 200, seconds: 0.0003)
        metrics.observe(route: .rejected, method: nil, status: 400, seconds: nil)
        return metrics.render(
            format: format, openConnections: 2, acceptedConnections: 5,
            slowClientsCut: [(reason: "response_too_slow", count: 1)], droppedLogLines: 0, visitsTotal: 7,
            version: "1.0.0", variant: variant,
            process: ProcessMetrics(
                cpuSeconds: 0.25, openFileDescriptors: 12, maxFileDescriptors: 1024, virtualMemoryBytes: 400_000_000,
                residentMemoryBytes: 12_000_000, startTimeSeconds: 1_796_000_000.5))
    }

    /// Family name -> declared type, failing on a sample before its family or a family twice.
    static func declaredTypes(_ text: String, format: MetricsExposition.Format) throws -> [String: String] {
        var types: [String: String] = [:]
        var current = ""
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                try #require(parts.count == 4)
                #expect(types[String(parts[2])] == nil, "\(parts[2]) declared twice")
                current = String(parts[2])
                types[current] = String(parts[3])
            } else if !line.hasPrefix("#") {
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                #expect(name.hasPrefix(current), "\(name) outside its family \(current)")
                let suffix = name.dropFirst(current.count)
                #expect(["", "_total", "_bucket", "_sum", "_count", "_info"].contains(suffix), "\(name) in \(current)")
            }
        }
        return types
    }

    @Test func theClassicTextDeclaresEachFamilyOnceWithCountersEndingInTotal() throws {
        let text = Self.render(.text)
        let types = try Self.declaredTypes(text, format: .text)
        for (name, type) in types {
            #expect((type == "counter") == name.hasSuffix("_total"), "\(name) \(type)")
        }
        #expect(types["demo_visits_total"] == "counter")
        #expect(types["demo_build_info"] == "gauge")
        #expect(types["process_cpu_seconds_total"] == "counter")
        #expect(text.contains("process_cpu_seconds_total 0.25\n"))
        #expect(text.contains("process_start_time_seconds 1796000000.5\n"))
        #expect(text.contains("http_request_duration_seconds_bucket{route=\"/basic\",le=\"0.0005\"} 1\n"))
        #expect(!text.contains("# EOF"))
    }

    @Test func openMetricsNamesCounterFamiliesWithoutTotalAndEndsWithEOF() throws {
        let text = Self.render(.openMetrics)
        let types = try Self.declaredTypes(text, format: .openMetrics)
        #expect(types["demo_visits"] == "counter")
        #expect(types["http_requests"] == "counter")
        #expect(types["demo_build"] == "info")
        #expect(!types.keys.contains { $0.hasSuffix("_total") })
        #expect(text.hasSuffix("\n# EOF\n"))
        #expect(text.components(separatedBy: "# EOF").count == 2)
    }

    @Test func aHostileVariantCannotBreakTheExposition() throws {
        let text = Self.render(.text, variant: "a\"b\\c\nd<e>")
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("demo_build_info{") })
        #expect(line.contains("variant=\"a\\\"b\\\\c\\nd<e>\""))
        #expect(!text.contains("\\u"), "no JSON escapes, which Prometheus rejects")
    }
}
