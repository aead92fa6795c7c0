/// An error that maps to one HTTP status. The parser throws it for malformed or over-limit input;
/// the connection answers with the status and closes (RFC 9112 §2.2, §6.3).
public struct HTTPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The status to answer with.
    public let status: HTTPStatus
    /// What was wrong, for logs and for the plain-text body of the answer.
    public let reason: String

    /// Creates an error.
    /// - Parameters:
    ///   - status: The status to answer with.
    ///   - reason: What was wrong, without internals.
    public init(_ status: HTTPStatus, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status.code) \(reason)" }
}
