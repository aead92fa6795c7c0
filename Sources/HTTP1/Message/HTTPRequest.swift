/// A complete request: the parsed head and the whole body, which the server has already read
/// within the configured limits.
public struct HTTPRequest: Sendable {
    /// The request method.
    public var method: HTTPMethod
    /// The request target as sent on the request line (origin, absolute or asterisk form).
    /// Made from the target's bytes on each call: compare with `path(equals:)` or read
    /// `withPathBytes` where no `String` is needed.
    public var target: String {
        get { requestTarget.string }
        set { requestTarget = RequestTarget(newValue) }
    }
    /// The path component of the target, still percent-encoded (RFC 9112 §3.2); `/` for an
    /// absolute-form target without one.
    public var path: String { requestTarget.path }
    /// The query component without the `?`, or nil when there is none.
    public var query: String? { requestTarget.query }
    /// The target's bytes, shared with the fields' buffer when parsed.
    @usableFromInline package var requestTarget: RequestTarget
    /// The protocol version of the request line.
    public var version: HTTPVersion
    /// The header fields in the order received.
    public var headers: HTTPHeaders {
        didSet { connectionTokens = nil }
    }
    /// The body bytes, decoded from chunked framing when it was chunked.
    public var body: [UInt8]
    /// The peer's address, e.g. `127.0.0.1` or `::1`, when known.
    public var remoteAddress: String?
    /// `close` and `keep-alive` in `Connection`, as the parser found them while it had the field
    /// at hand; nil (a request made otherwise, or whose fields changed since) looks them up.
    var connectionTokens: ConnectionTokens?

    /// Creates a request.
    /// - Parameters:
    ///   - method: The request method.
    ///   - target: The request target; `path` and `query` are split from it.
    ///   - version: The protocol version.
    ///   - headers: The header fields.
    ///   - body: The body bytes.
    ///   - remoteAddress: The peer's address.
    public init(
        method: HTTPMethod,
        target: String,
        version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = [:],
        body: [UInt8] = [],
        remoteAddress: String? = nil
    ) {
        self.init(method: method, target: RequestTarget(target), version: version, headers: headers, body: body)
        self.remoteAddress = remoteAddress
    }

    /// Creates a request whose target is already bytes (the parser's way).
    package init(method: HTTPMethod, target: RequestTarget, version: HTTPVersion, headers: HTTPHeaders, body: [UInt8]) {
        self.method = method
        self.requestTarget = target
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// Whether the path, compared byte for byte (still percent-encoded), starts with `prefix`.
    /// - Parameter prefix: The start to look for, e.g. `/tutorial/`.
    public func path(hasPrefix prefix: StaticString) -> Bool {
        requestTarget.withPathBytes { path in path.hasPrefix(prefix) }
    }

    /// Whether the path, compared byte for byte (still percent-encoded), is `other`.
    /// - Parameter other: The path to compare with, e.g. `/basic`.
    public func path(equals other: StaticString) -> Bool {
        requestTarget.withPathBytes { path in path.equals(other) }
    }

    /// Calls `body` with the bytes of the path (still percent-encoded), so that a route can be
    /// matched without making a `String`.
    /// - Parameter body: Reads the path's bytes; they are valid only during the call.
    /// - Returns: What `body` returns.
    @inlinable
    public func withPathBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try requestTarget.withPathBytes(body)
    }

    /// Whether the target is `*` (asterisk-form, RFC 9112 §3.2.4): the request concerns the
    /// server as a whole, not a resource.
    public var isAsteriskForm: Bool { requestTarget.isAsterisk }

    /// Whether the client asked to keep the connection open after this exchange
    /// (RFC 9112 §9.3: HTTP/1.1 persists unless `close`; HTTP/1.0 only with `keep-alive`).
    public var wantsKeepAlive: Bool {
        let tokens = connectionTokens ?? ConnectionTokens(headers)
        if tokens.close { return false }
        if version == .http1_0 { return tokens.keepAlive }
        return true
    }

    /// Splits a request target into its path and query, turning absolute form into a path.
    static func splitTarget(_ target: String) -> (path: String, query: String?) {
        let split = RequestTarget(target)
        return (split.path, split.query)
    }
}
