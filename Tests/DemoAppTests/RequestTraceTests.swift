import HTTPServer
import Logging
import Testing

@testable import DemoApp

/// A request's trace: the caller's when its `traceparent` is valid, else a new one, with ids
/// that are never zero and differ from request to request.
@Suite struct RequestTraceTests {
    let ids = RandomIDSource()

    @Test func aValidParentIsJoinedWithANewSpan() throws {
        let headers: HTTPHeaders = [
            "TraceParent": TraceParentTests.example, "TRACESTATE": "rojo=00f067aa0ba902b7", "x-request-id": "req-42",
        ]
        let trace = RequestTrace(headers: headers, ids: ids)
        #expect(trace.traceID.hexString == "0af7651916cd43dd8448eb211c80319c")
        #expect(trace.parent?.parentID.hexString == "b7ad6b7169203331")
        #expect(trace.spanID.hexString != "b7ad6b7169203331")
        #expect(trace.traceState == "rojo=00f067aa0ba902b7")
        #expect(trace.requestID == "req-42")
    }

    @Test func withoutAValidParentANewTraceStartsAndTracestateIsDropped() {
        for headers: HTTPHeaders in [
            [:], ["tracestate": "rojo=1"],
            ["traceparent": "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01", "tracestate": "rojo=1"],
        ] {
            let trace = RequestTrace(headers: headers, ids: ids)
            #expect(trace.parent == nil)
            #expect(trace.traceState == nil)
            #expect(trace.traceID.hexString != "0af7651916cd43dd8448eb211c80319c")
        }
    }

    @Test func twoTraceparentLinesAreNotAParent() {
        var headers = HTTPHeaders()
        headers.add("traceparent", TraceParentTests.example)
        headers.add("traceparent", TraceParentTests.example)
        #expect(RequestTrace(headers: headers, ids: ids).parent == nil)
    }

    @Test func newIdsAreNonZeroLowercaseHexAndDistinct() {
        var traces = Set<String>()
        var spans = Set<String>()
        // Several pool refills (about 170 new traces each).
        for _ in 0..<1000 {
            let trace = RequestTrace(ids: ids)
            let traceHex = trace.traceID.hexString
            let spanHex = trace.spanID.hexString
            #expect(traceHex.utf8.count == 32 && spanHex.utf8.count == 16)
            #expect(traceHex.allSatisfy { "0123456789abcdef".contains($0) })
            #expect(traceHex != String(repeating: "0", count: 32) && spanHex != String(repeating: "0", count: 16))
            traces.insert(traceHex)
            spans.insert(spanHex)
        }
        #expect(traces.count == 1000)
        #expect(spans.count == 1000)
    }

    @Test func zeroIdsCannotBeMade() {
        #expect(TraceID(high: 0, low: 0) == nil)
        #expect(SpanID(0) == nil)
        #expect(TraceID(high: 0, low: 1)?.hexString == "00000000000000000000000000000001")
    }

    @Test func applicationCodeReadsTheIdsThroughLoggerMetadata() {
        let trace = RequestTrace(headers: ["traceparent": TraceParentTests.example, "X-Request-Id": "req-7"], ids: ids)
        // A handler that keeps metadata (the no-op handler drops it); nothing is logged here.
        let logger = trace.annotating(Logger(label: "test") { StreamLogHandler.standardError(label: $0) })
        #expect(logger[metadataKey: "trace_id"] == "0af7651916cd43dd8448eb211c80319c")
        #expect(logger[metadataKey: "span_id"] == .string(trace.spanID.hexString))
        #expect(logger[metadataKey: "request_id"] == "req-7")
    }
}
