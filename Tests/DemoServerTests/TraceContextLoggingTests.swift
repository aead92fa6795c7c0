import Foundation
import Testing
import TestSupport

/// Every access-log line of the real server, text and JSON, carries `trace_id` and `span_id`
/// (the caller's trace when its `traceparent` is valid), and the caller's `X-Request-Id` when it
/// is a plain token.
@Suite(.serialized) struct TraceContextLoggingTests {
    static let traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    @Test func jsonAccessLinesCarryTheCallersTraceAndRequestId() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start(environment: ["LOG_FORMAT": "json"])
        _ = try TestClient.get(
            port: server.port, "/basic", headers: ["traceparent": Self.traceParent, "X-Request-Id": "req-0001"])
        _ = try TestClient.get(port: server.port, "/nope", headers: ["traceparent": Self.traceParent.uppercased()])
        _ = try TestClient.exchange(port: server.port, "GET / HTTP/1.1\r\nBad Field\r\n\r\n")
        #expect(server.stop() == 0)
        let lines = try server.standardOutput.split(separator: "\n").filter { $0.contains("\"logger\":\"access\"") }.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        try #require(lines.count == 3)
        let joined = lines[0]
        #expect(joined["trace_id"] as? String == "0af7651916cd43dd8448eb211c80319c")
        #expect(joined["request_id"] as? String == "req-0001")
        let span = try #require(joined["span_id"] as? String)
        #expect(span.count == 16 && span != "b7ad6b7169203331", "the request's own span, not the caller's")
        // An invalid traceparent, and a request the parser rejected: new traces, ids all the same.
        for line in lines.dropFirst() {
            let trace = try #require(line["trace_id"] as? String)
            #expect(trace.count == 32 && trace != "0af7651916cd43dd8448eb211c80319c")
            #expect((line["span_id"] as? String)?.count == 16)
            #expect(line["request_id"] == nil)
        }
        #expect(lines[1]["trace_id"] as? String != lines[2]["trace_id"] as? String)
    }

    @Test func textAccessLinesCarryTheIdsAndDropAnUnsafeRequestId() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        _ = try TestClient.get(port: server.port, "/livez", headers: ["traceparent": Self.traceParent, "X-Request-Id": "a\"b"])
        _ = try TestClient.get(port: server.port, "/basic", headers: ["X-Request-Id": String(repeating: "r", count: 129)])
        #expect(server.stop() == 0)
        let lines = server.standardOutput.split(separator: "\n").filter { $0.contains(" access: ") }
        try #require(lines.count == 2)
        #expect(lines[0].contains(" trace_id=0af7651916cd43dd8448eb211c80319c"))
        #expect(lines.allSatisfy { $0.contains(" span_id=") && $0.contains(" trace_id=") })
        #expect(!lines.contains { $0.contains("request_id") }, "quotes and over-long ids are dropped")
    }

    @Test func theHealthCheckProbesLivez() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        let probe = try ServerProcess()
        defer { probe.cleanUp() }
        #expect(try probe.runToExit(["healthcheck", "--port", "\(server.port)"]) == 0)
        #expect(server.stop() == 0)
        #expect(server.standardOutput.contains("GET /livez 200"))
    }
}
