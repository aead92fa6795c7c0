import Synchronization

/// Anything that answers requests. `HTTPServer` knows nothing else about the application.
public protocol HTTPHandler: Sendable {
    /// Handles one request.
    ///
    /// Called on an event-loop thread, so it must never block: answer at once, or hand blocking
    /// work (a database, a file system scan) to a thread of its own and answer from there.
    /// - Parameters:
    ///   - request: The complete request, body included.
    ///   - responder: Call `respond(_:)` exactly once, from any thread.
    func handle(_ request: HTTPRequest, responder: HTTPResponder)

    /// The server answered a request itself, without calling `handle`: it could not be parsed,
    /// broke a limit, or did not arrive in time (the `HTTPError`'s status was sent, and the
    /// connection closes). For access logs and metrics; called on an event-loop thread, so it
    /// must not block. The default does nothing.
    /// - Parameters:
    ///   - error: The status sent and what was wrong.
    ///   - remoteAddress: The client's address.
    func requestRejected(_ error: HTTPError, remoteAddress: String)

    /// The methods the application answers on at least one of its resources: the server sends
    /// them in `Allow` when it answers `OPTIONS *` itself (RFC 9110 §9.3.7). The default is GET,
    /// HEAD and OPTIONS.
    var supportedMethods: [HTTPMethod] { get }

    /// The server answered a well-formed request itself, without calling `handle`: `OPTIONS *`,
    /// which concerns the server rather than a resource. For access logs and metrics; called on
    /// an event-loop thread, so it must not block. The default does nothing.
    /// - Parameters:
    ///   - request: The request.
    ///   - response: What the server sent.
    func requestAnsweredByServer(_ request: HTTPRequest, response: HTTPResponse)
    /// What to do with the body of `head`, before any of it is read (and before `100 Continue`
    /// is sent). Called on an event-loop thread for every request that announces a body; it must
    /// be cheap and must not block. A request refused here, or whose body is too large, is
    /// reported through `requestAnsweredByServer` with the response sent. The default reads any
    /// body up to the server's limit.
    /// - Parameter head: The request without its body.
    func bodyPolicy(for head: HTTPRequest) -> BodyPolicy
}

extension HTTPHandler {
    public func requestRejected(_ error: HTTPError, remoteAddress: String) {}

    public var supportedMethods: [HTTPMethod] { [.get, .head, .options] }

    public func requestAnsweredByServer(_ request: HTTPRequest, response: HTTPResponse) {}
    public func bodyPolicy(for head: HTTPRequest) -> BodyPolicy { .serverLimit }
}

/// The way back to a request's connection. Thread-safe; the first response wins.
///
/// A responder that is dropped without answering answers 500 itself, so a handler bug never
/// leaves a client waiting.
public final class HTTPResponder: Sendable {
    /// Runs work on the thread that owns the request's connection (its event loop).
    public typealias EventLoopHop = @Sendable (_ work: @escaping @Sendable () -> Void) -> Void

    /// Where the response goes.
    private enum Destination: Sendable {
        /// A function given by whoever made the responder (tests, wrapping handlers).
        case function(@Sendable (HTTPResponse) -> Void, hop: EventLoopHop?)
        /// The server's own case, one per request: the connection and the number of the request
        /// on it, held directly rather than captured in a closure (one allocation less).
        case connection(ConnectionReference, serial: UInt64)
    }

    private let destination: Destination
    private let hasResponded = Atomic<Bool>(false)

    /// Creates a responder that passes the response to `deliver`; the server makes one per
    /// request, and tests make their own to call a handler without sockets.
    /// - Parameters:
    ///   - eventLoop: How to run work on the request's event loop; nil runs it on the calling
    ///     thread (a handler called without a server).
    ///   - deliver: Receives the response, once.
    public init(eventLoop: EventLoopHop? = nil, _ deliver: @escaping @Sendable (HTTPResponse) -> Void) {
        destination = .function(deliver, hop: eventLoop)
    }

    /// Creates a responder that wraps `other` (to observe or change its response) and returns
    /// work to the same event loop as `other` does.
    /// - Parameters:
    ///   - other: The responder whose event loop this one shares.
    ///   - deliver: Receives the response, once.
    public convenience init(sameEventLoopAs other: HTTPResponder, _ deliver: @escaping @Sendable (HTTPResponse) -> Void) {
        self.init(eventLoop: other.hop, deliver)
    }

    /// The responder for request number `serial` on `connection`.
    init(connection: ConnectionReference, serial: UInt64) {
        destination = .connection(connection, serial: serial)
    }

    private var hop: EventLoopHop? {
        switch destination {
        case .function(_, let hop):
            return hop
        case .connection(let reference, _):
            let loop = reference.loop
            return { loop.runOnLoop($0) }
        }
    }

    /// Runs `work` on the request's event loop: at once when called there, else at the loop's
    /// next wake-up. A handler whose answer comes from a thread of its own (a database queue)
    /// calls this to render, count and log on the loop, leaving its own thread free for the
    /// next job.
    /// - Parameter work: What to run; it must not block.
    public func onEventLoop(_ work: @escaping @Sendable () -> Void) {
        switch destination {
        case .function(_, let hop):
            if let hop { hop(work) } else { work() }
        case .connection(let reference, _):
            reference.loop.runOnLoop(work)
        }
    }

    /// Sends the response. Calls after the first are ignored.
    /// - Parameter response: The response.
    public func respond(_ response: HTTPResponse) {
        guard !hasResponded.exchange(true, ordering: .acquiringAndReleasing) else { return }
        deliver(response)
    }

    private func deliver(_ response: HTTPResponse) {
        switch destination {
        case .function(let deliver, _):
            deliver(response)
        case .connection(let reference, let serial):
            // Most handlers answer synchronously on the loop thread: deliver without wrapping the
            // response in a scheduled closure (a heap allocation per request).
            let loop = reference.loop
            if loop.isCurrentThread {
                reference.connection.deliver(response, serial: serial)
            } else {
                loop.schedule { reference.connection.deliver(response, serial: serial) }
            }
        }
    }

    deinit {
        if !hasResponded.load(ordering: .acquiring) {
            deliver(.text("Internal Server Error\n", status: .internalServerError))
        }
    }
}

extension HTTPHandler {
    /// Calls the handler without a server and waits for its response: for tests and for
    /// composing handlers.
    /// - Parameter request: The request.
    /// - Returns: The response the handler gave.
    public func response(to request: HTTPRequest) async -> HTTPResponse {
        await withCheckedContinuation { continuation in
            handle(request, responder: HTTPResponder { continuation.resume(returning: $0) })
        }
    }
}
