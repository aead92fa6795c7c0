import Logging

/// An access log written through swift-log, each entry as one `info` event with its values as
/// metadata (the keys the server's own writer uses): for an app that routes every line through
/// its logging backend, at the cost of a metadata dictionary per request.
public final class LoggerAccessLog: AccessLog {
    /// The logger the entries go to.
    public let logger: Logger

    /// Creates an access log on `logger`.
    /// - Parameter logger: Where the entries go, at level `info`.
    public init(_ logger: Logger) {
        self.logger = logger
    }

    public func record(_ entry: AccessLogEntry) {
        var metadata: Logger.Metadata = [
            "remote": "\(entry.remoteAddress ?? "-")",
            "status": "\(entry.status)",
            "trace_id": .string(entry.traceID.hexString),
            "span_id": .string(entry.spanID.hexString),
        ]
        if let requestID = entry.requestID { metadata["request_id"] = .string(requestID) }
        if let rejection = entry.rejection {
            metadata["rejected"] = "\(rejection)"
        } else {
            metadata["method"] = "\(entry.method ?? "-")"
            metadata["path"] = "\(entry.path ?? "-")"
            metadata["bytes"] = "\(entry.bytes ?? 0)"
            metadata["user_agent"] = "\(entry.userAgent ?? "-")"
            if let duration = entry.durationText { metadata["duration_ms"] = "\(duration)" }
        }
        logger.info("\(entry.message)", metadata: metadata)
    }
}
