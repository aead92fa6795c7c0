/// Anything that answers requests. `HTTPServer` knows nothing else about the application; what
/// the application hears besides requests goes through an `HTTPServerObserver`.
///
/// `answer(_:responder:)` is the one requirement. `bodyPolicy(for:)` and `supportedMethods` are
/// questions the server may ask before or instead of a request, each with a default.
public protocol HTTPHandler: Sendable {
    /// Answers one request.
    ///
    /// Called on an event-loop thread, so it must never block: answer at once, or hand blocking
    /// work (a database, a file system scan) to a thread of its own and answer from there.
    /// - Parameters:
    ///   - request: The complete request, body included.
    ///   - responder: Call `write(_:)` exactly once, from any thread.
    func answer(_ request: HTTPRequest, responder: HTTPResponder)

    /// What to do with the body of `head`, before any of it is read (and before `100 Continue`
    /// is sent). Called on an event-loop thread for every request that announces a body; it must
    /// be cheap and must not block. A request refused here, or whose body is too large, is
    /// reported to the observer with the response sent. The default reads any body up to the
    /// server's limit.
    /// - Parameter head: The request without its body.
    func bodyPolicy(for head: HTTPRequest) -> BodyPolicy

    /// The methods the application answers on at least one of its resources: the server sends
    /// them in `Allow` when it answers `OPTIONS *` itself (RFC 9110 §9.3.7). The default is GET,
    /// HEAD and OPTIONS.
    var supportedMethods: [HTTPMethod] { get }
}

extension HTTPHandler {
    public func bodyPolicy(for head: HTTPRequest) -> BodyPolicy { .serverLimit }

    public var supportedMethods: [HTTPMethod] { [.get, .head, .options] }

    /// Calls the handler without a server and waits for its response: for tests and for
    /// composing handlers.
    /// - Parameter request: The request.
    /// - Returns: The response the handler gave.
    public func response(to request: HTTPRequest) async -> HTTPResponse {
        await withCheckedContinuation { continuation in
            answer(request, responder: HTTPResponder { continuation.resume(returning: $0) })
        }
    }
}
