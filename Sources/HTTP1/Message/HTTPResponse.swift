/// A response a handler gives back. The server adds `Date`, `Content-Length` and `Connection`;
/// for HEAD requests it sends the head only (RFC 9110 §9.3.2).
public struct HTTPResponse: Sendable {
    /// The status line's code and reason.
    public var status: HTTPStatus {
        didSet { encodedStatusAndFields = nil }
    }
    /// Header fields set by the handler.
    public var headers: HTTPHeaders {
        didSet { encodedStatusAndFields = nil }
    }
    /// The content.
    public var body: ResponseBody

    /// The status line and the handler's fields as they go on the wire, made by `prepared()`;
    /// nil until then, and again once the status or a field changes.
    internal(set) package var encodedStatusAndFields: [UInt8]?

    /// Whether the status line and fields are encoded already (see `prepared()`).
    public var isPrepared: Bool { encodedStatusAndFields != nil }

    /// Creates a response.
    /// - Parameters:
    ///   - status: The status.
    ///   - headers: Header fields; framing fields are set by the server.
    ///   - body: The content.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: ResponseBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose content is UTF-8 text.
    /// - Parameters:
    ///   - status: The status.
    ///   - contentType: The media type, e.g. `text/plain; charset=utf-8`.
    ///   - text: The content.
    public static func text(
        _ text: String,
        status: HTTPStatus = .ok,
        contentType: String = "text/plain; charset=utf-8"
    ) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: .bytes(Array(text.utf8)))
    }
}

/// The content of a response.
public enum ResponseBody: Sendable {
    /// No content.
    case empty
    /// Content held in memory, sent with the head in one write when small.
    case bytes([UInt8])
    /// Content streamed from an open file with `sendfile`, never read into memory.
    case file(FileRegion)

    /// The number of content bytes.
    public var count: Int {
        switch self {
        case .empty: 0
        case .bytes(let bytes): bytes.count
        case .file(let region): region.length
        }
    }
}
