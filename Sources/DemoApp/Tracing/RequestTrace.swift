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

    /// The trace of a request: its `traceparent`, `tracestate` and `X-Request-Id`, read in one
    /// pass over the header fields.
    /// - Parameters:
    ///   - headers: The request's header fields.
    ///   - ids: Where new ids come from.
    init(headers: HTTPHeaders, ids: RandomIDSource) {
        // The first value and a count, not arrays: no allocation for the usual request, which
        // carries at most one of each.
        var traceParent: String?
        var traceParentCount = 0
        var traceStates: [String] = []
        var requestID: String?
        var requestIDCount = 0
        for field in headers {
            switch Self.fieldKind(field.name) {
            case .traceParent:
                traceParentCount += 1
                traceParent = traceParent ?? field.value
            case .traceState: traceStates.append(field.value)
            case .requestID:
                requestIDCount += 1
                requestID = requestID ?? field.value
            case nil: continue
            }
        }
        // Two `traceparent` lines cannot be one valid value: a new trace (§3.2).
        if traceParentCount == 1, let traceParent, let parent = TraceParent.parse(traceParent) {
            self.parent = parent
            traceID = parent.traceID
            spanID = ids.spanID()
            traceState = traceStates.isEmpty ? nil : TraceState.bounded(traceStates)
        } else {
            parent = nil
            (traceID, spanID) = ids.traceAndSpanID()
            // Without a valid parent, `tracestate` means nothing and is not kept (§3.3.1).
            traceState = nil
        }
        // Two `X-Request-Id` lines are ambiguous: neither is logged.
        self.requestID = requestIDCount == 1 ? requestID.flatMap(RequestID.sanitized) : nil
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

    private enum FieldKind { case traceParent, traceState, requestID }

    /// Which of the three fields a name is, compared without regard to ASCII case (RFC 9110
    /// §5.1); most names are ruled out by their length alone.
    private static func fieldKind(_ name: String) -> FieldKind? {
        switch name.utf8.count {
        case 11: equalsIgnoringCase(name, "traceparent") ? .traceParent : nil
        case 10: equalsIgnoringCase(name, "tracestate") ? .traceState : nil
        case 12: equalsIgnoringCase(name, "x-request-id") ? .requestID : nil
        default: nil
        }
    }

    /// Byte by byte on contiguous UTF-8 (a parsed name always is): a tenth of what the generic
    /// `elementsEqual` costs per request.
    private static func equalsIgnoringCase(_ name: String, _ lowercase: StaticString) -> Bool {
        lowercase.withUTF8Buffer { expected in
            name.utf8.withContiguousStorageIfAvailable { bytes in
                guard bytes.count == expected.count else { return false }
                for index in 0..<bytes.count {
                    let byte = bytes[index]
                    guard (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == expected[index] else {
                        return false
                    }
                }
                return true
            } ?? name.lowercased().utf8.elementsEqual(expected)
        }
    }
}
