import Synchronization

/// The way back to a request's connection. Thread-safe; the first response wins.
///
/// A responder that is dropped without answering answers 500 itself, so a handler bug never
/// leaves a client waiting.
public final class HTTPResponder: Sendable {
    /// Runs work on the thread that owns the request's connection (its event loop).
    public typealias EventLoopHop = @Sendable (_ work: @escaping @Sendable () -> Void) -> Void

    /// Where the response goes.
    private enum Destination: Sendable {
        /// A function given by whoever made the responder (tests, a handler called directly).
        case function(@Sendable (HTTPResponse) -> Void, hop: EventLoopHop?)
        /// The server's own case: the connection, held directly rather than captured in a
        /// closure (one allocation less), and the number of the request on it in `serial`.
        case connection(ResponseTarget)
    }

    private let destination: Destination
    private let hasWritten = Atomic<Bool>(false)
    /// The number of the request on its connection (the `.connection` case). Changed only by
    /// `rearm(serial:)`, while the connection holds the one reference: no other thread can see it.
    nonisolated(unsafe) private var serial: UInt64

    /// Creates a responder that passes the response to `receive`; the server makes one per
    /// request, and tests make their own to call a handler without sockets.
    /// - Parameters:
    ///   - eventLoop: How to run work on the request's event loop; nil runs it on the calling
    ///     thread (a handler called without a server).
    ///   - receive: Receives the response, once.
    public init(eventLoop: EventLoopHop? = nil, _ receive: @escaping @Sendable (HTTPResponse) -> Void) {
        destination = .function(receive, hop: eventLoop)
        serial = 0
    }

    /// The responder for request number `serial` on the connection `target` names.
    init(_ target: ResponseTarget, serial: UInt64) {
        destination = .connection(target)
        self.serial = serial
    }

    /// Makes an answered responder answer request number `serial` of the same connection, so the
    /// connection reuses it instead of allocating one per request. Only while the caller holds
    /// the one reference.
    func rearm(serial: UInt64) {
        self.serial = serial
        hasWritten.store(false, ordering: .releasing)
    }

    /// Answers 500 if nothing was written: what `deinit` does for a responder dropped unanswered,
    /// for one the connection keeps to reuse.
    func answerIfUnanswered() {
        guard !hasWritten.exchange(true, ordering: .acquiringAndReleasing) else { return }
        pass(Self.unansweredResponse)
    }

    private static var unansweredResponse: HTTPResponse {
        .text("Internal Server Error\n", status: .internalServerError)
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
        case .connection(let target):
            target.inbox.runOnLoop(work)
        }
    }

    /// Writes the response to the client. Calls after the first are ignored.
    /// - Parameter response: The response.
    public func write(_ response: consuming HTTPResponse) {
        guard !hasWritten.exchange(true, ordering: .acquiringAndReleasing) else { return }
        pass(consume response)
    }

    private func pass(_ response: consuming HTTPResponse) {
        switch destination {
        case .function(let receive, _):
            receive(response)
        case .connection(let target):
            let serial = self.serial
            // Most handlers answer synchronously on the loop thread: write without wrapping the
            // response in a scheduled closure (a heap allocation per request).
            if target.inbox.isCurrentThread {
                target.writer.write(consume response, serial: serial)
            } else {
                // A constant, as a closure for another thread may capture only those.
                let scheduled = consume response
                target.inbox.schedule { target.writer.write(scheduled, serial: serial) }
            }
        }
    }

    deinit {
        if !hasWritten.load(ordering: .acquiring) {
            pass(Self.unansweredResponse)
        }
    }
}
