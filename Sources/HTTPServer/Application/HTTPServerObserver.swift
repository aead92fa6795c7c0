/// What the application hears from the server about requests it answered itself, without
/// calling the handler. Called on an event-loop thread, so no method may block. Every method has
/// a default that does nothing.
public protocol HTTPServerObserver: Sendable {
    /// The server refused input it could not parse, that broke a limit, or that did not arrive
    /// in time: the `HTTPError`'s status was sent, and the connection closes. For access logs
    /// and metrics.
    /// - Parameters:
    ///   - error: The status sent and what was wrong.
    ///   - remoteAddress: The client's address.
    func requestRejected(_ error: HTTPError, remoteAddress: String)

    /// The server answered a well-formed request itself: `OPTIONS *` (which concerns the server,
    /// not a resource), or a request whose body the handler's `bodyPolicy(for:)` refused or found
    /// too large. For access logs and metrics.
    /// - Parameters:
    ///   - request: The request (without its body).
    ///   - response: What the server sent.
    func requestAnsweredByServer(_ request: HTTPRequest, response: HTTPResponse)
}

extension HTTPServerObserver {
    public func requestRejected(_ error: HTTPError, remoteAddress: String) {}
    public func requestAnsweredByServer(_ request: HTTPRequest, response: HTTPResponse) {}
}
