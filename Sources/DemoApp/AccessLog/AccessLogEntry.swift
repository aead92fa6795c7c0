import HTTPServer

/// What the access log says about one request: the request answered, or the one the server
/// rejected before its head was complete. Values are kept as they came (a writer escapes them
/// where it writes them); the trace ids stay numbers until they are written.
public struct AccessLogEntry: Sendable {
    /// The client's address, or nil when unknown (written as `-`).
    public var remoteAddress: String?
    /// The request's method, or nil for a rejected request.
    public var method: String?
    /// The request target as sent (the line's message), or nil for a rejected request.
    public var target: String?
    /// The target's path, or nil for a rejected request.
    public var path: String?
    /// The response's status code.
    public var status: Int
    /// The body bytes sent (0 for HEAD), or nil for a rejected request.
    public var bytes: Int?
    /// The `User-Agent` field, or nil when absent (written as `-` for an answered request).
    public var userAgent: String?
    /// From the request's arrival to its answer, in microseconds, or nil when not timed.
    public var durationMicroseconds: Int?
    /// Why the server rejected the request, or nil for one that was answered.
    public var rejection: String?
    /// The trace the request belongs to.
    public var traceID: TraceID
    /// The request's own span.
    public var spanID: SpanID
    /// The caller's `X-Request-Id`, when it was a plain token.
    public var requestID: String?

    /// An answered request.
    /// - Parameters:
    ///   - request: The request.
    ///   - trace: Its trace.
    ///   - status: The response's status code.
    ///   - bytes: The body bytes sent.
    ///   - seconds: How long the answer took, or nil when not timed.
    public init(answering request: HTTPRequest, trace: RequestTrace, status: Int, bytes: Int, seconds: Double?) {
        remoteAddress = request.remoteAddress
        method = request.method.rawValue
        target = request.target
        path = request.path
        self.status = status
        self.bytes = bytes
        userAgent = request.headers["User-Agent"]
        durationMicroseconds = seconds.map { Int(($0 * 1_000_000).rounded()) }
        rejection = nil
        traceID = trace.traceID
        spanID = trace.spanID
        requestID = trace.requestID
    }

    /// A request the server rejected before its head was complete.
    /// - Parameters:
    ///   - status: The status the server answered with.
    ///   - reason: What was wrong.
    ///   - remoteAddress: The client's address.
    ///   - trace: New ids for the line.
    public init(rejectedWith status: Int, reason: String, remoteAddress: String, trace: RequestTrace) {
        self.remoteAddress = remoteAddress
        method = nil
        target = nil
        path = nil
        self.status = status
        bytes = nil
        userAgent = nil
        durationMicroseconds = nil
        rejection = reason
        traceID = trace.traceID
        spanID = trace.spanID
        requestID = trace.requestID
    }

    /// The line's message: `GET /target 200`, or `- - 400` for a rejected request.
    public var message: String {
        "\(method ?? "-") \(target ?? "-") \(status)"
    }

    /// `duration_ms` as written: milliseconds with three decimals.
    public var durationText: String? {
        durationMicroseconds.map { micros in
            let fraction = micros % 1000
            return "\(micros / 1000).\(fraction < 10 ? "00" : fraction < 100 ? "0" : "")\(fraction)"
        }
    }
}
