/// A complete request: the parsed head and the whole body, which the server has already read
/// within the configured limits.
public struct HTTPRequest: Sendable {
    /// The request method.
    public var method: HTTPMethod
    /// The request target as sent on the request line (origin, absolute or asterisk form).
    public var target: String
    /// The path component of the target, still percent-encoded (RFC 9112 §3.2).
    public var path: String
    /// The query component without the `?`, or nil when there is none.
    public var query: String?
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
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        let (path, query) = HTTPRequest.splitTarget(target)
        self.path = path
        self.query = query
    }

    /// Whether the target is `*` (asterisk-form, RFC 9112 §3.2.4): the request concerns the
    /// server as a whole, not a resource.
    public var isAsteriskForm: Bool {
        target.utf8.count == 1 && target.utf8.first == UInt8(ascii: "*")
    }

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
        // Origin form without a query, the common case: the path is the target itself.
        let bytes = target.utf8
        if bytes.first == UInt8(ascii: "/") {
            guard let mark = bytes.firstIndex(of: UInt8(ascii: "?")) else { return (target, nil) }
            return (String(target[..<mark]), String(target[target.utf8.index(after: mark)...]))
        }
        var rest = Substring(target)
        if !rest.hasPrefix("/"), let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            // absolute-form (RFC 9112 §3.2.2): drop scheme and authority.
            rest = rest[rest.index(colon, offsetBy: 3)...]
            if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                rest = rest[slash...]
            } else {
                rest = ""
            }
            if !rest.hasPrefix("/") { rest = "/" + rest }
        }
        if let mark = rest.firstIndex(of: "?") {
            return (String(rest[..<mark]), String(rest[rest.index(after: mark)...]))
        }
        return (String(rest), nil)
    }
}
