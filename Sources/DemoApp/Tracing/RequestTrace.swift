import HTTPServer
import Logging

/// Where a request sits in a distributed trace (W3C Trace Context Level 1): the caller's trace
/// when its `traceparent` is valid, else a new one; this request's own span; and the
/// `X-Request-Id` a proxy gave it.
///
/// Application code reads it through swift-log: `logger` puts `trace_id`, `span_id` (and
/// `request_id`) in the metadata of every line logged for the request, the same keys the access
/// log carries, so a log search for one id finds the request's access line and its errors.
public struct RequestTrace: Sendable {
    /// The trace: the caller's, or a new one.
    public let traceID: TraceID
    /// This request's span, always new.
    public let spanID: SpanID
    /// The caller's valid `traceparent`, or nil when this request started the trace.
    public let parent: TraceParent?
    /// The caller's `tracestate`, bounded; only with a valid parent (§3.3.1).
    public let traceState: String?
    /// The caller's `X-Request-Id`, when it was a plain token of at most 128 characters.
    public let requestID: String?

    /// The trace of a request: its `traceparent`, `tracestate` and `X-Request-Id`.
    /// - Parameters:
    ///   - headers: The request's header fields.
    ///   - ids: Where new ids come from.
    init(headers: HTTPHeaders, ids: RandomIDSource) {
        // One pass over the fields' bytes, names compared by length first: no string is made,
        // nor any list, for a request that carries none of them.
        var traceParents: [String]?
        var traceStates: [String]?
        var requestIDs: [String]?
        headers.forEachField { name, value in
            switch name.count {
            case 10 where name.equalsIgnoringASCIICase("tracestate"):
                traceStates.appendMakingList(String(decoding: value, as: UTF8.self))
            case 11 where name.equalsIgnoringASCIICase("traceparent"):
                traceParents.appendMakingList(String(decoding: value, as: UTF8.self))
            case 12 where name.equalsIgnoringASCIICase("x-request-id"):
                requestIDs.appendMakingList(String(decoding: value, as: UTF8.self))
            default:
                break
            }
            return false
        }
        // Two `traceparent` lines cannot be one valid value: a new trace (§3.2).
        if let traceParents, traceParents.count == 1, let parent = TraceParent.parse(traceParents[0]) {
            self.parent = parent
            traceID = parent.traceID
            spanID = ids.spanID()
            traceState = traceStates.flatMap { TraceState.bounded($0) }
        } else {
            parent = nil
            (traceID, spanID) = ids.traceAndSpanID()
            // Without a valid parent, `tracestate` means nothing and is not kept (§3.3.1).
            traceState = nil
        }
        // Two `X-Request-Id` lines are ambiguous: neither is logged.
        if let requestIDs, requestIDs.count == 1 {
            self.requestID = RequestID.sanitized(requestIDs[0])
        } else {
            self.requestID = nil
        }
    }

    /// A trace for something that is not a parsed request (a request the server rejected before
    /// its header was complete): new ids, no parent.
    /// - Parameter ids: Where new ids come from.
    init(ids: RandomIDSource) {
        (traceID, spanID) = ids.traceAndSpanID()
        parent = nil
        traceState = nil
        requestID = nil
    }

    /// Adds `trace_id`, `span_id` and, when there is one, `request_id`.
    /// - Parameter metadata: The metadata of a log line.
    public func addMetadata(to metadata: inout Logger.Metadata) {
        metadata["trace_id"] = .string(traceID.hexString)
        metadata["span_id"] = .string(spanID.hexString)
        if let requestID { metadata["request_id"] = .string(requestID) }
    }

    /// `logger` with this trace's ids in its metadata: what application code logs a request's
    /// events with.
    /// - Parameter logger: The logger to annotate.
    public func annotating(_ logger: Logger) -> Logger {
        var logger = logger
        var metadata: Logger.Metadata = [:]
        addMetadata(to: &metadata)
        for (key, value) in metadata { logger[metadataKey: key] = value }
        return logger
    }
}
