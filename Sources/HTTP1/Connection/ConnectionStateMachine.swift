/// The life of one connection as a pure state machine: no sockets, no clock of its own.
///
/// The connection tells it what happened and when (`now` is injected), and it answers with what to
/// do. Deadlines live here, so every timeout is unit-tested by passing instants instead of sleeping.
package struct ConnectionStateMachine {
    package enum State: Equatable {
        /// Between requests on a kept-alive connection; nothing of the next request yet.
        case idle(since: MonotonicInstant)
        /// Reading a request head. `hasBytes` is false on a fresh connection that sent nothing yet.
        case readingHead(since: MonotonicInstant, hasBytes: Bool)
        /// Reading a request body; `lastProgress` is when bytes last arrived.
        case readingBody(lastProgress: MonotonicInstant)
        /// The handler has the request; no deadline but the server's shutdown deadline.
        case processing
        /// Writing a response; `lastProgress` is when the socket last accepted bytes.
        case writing(lastProgress: MonotonicInstant, closeAfter: Bool)
        /// The final response is out and our side is shut; discarding input until the peer closes.
        case lingering(since: MonotonicInstant)
        case closed
    }

    /// What the connection must do after a deadline check.
    package enum TimeoutAction: Equatable {
        case none
        /// Close without a word: the client sent nothing, or the response cannot be delivered.
        case close
        /// Answer 408 Request Timeout, then close (RFC 9110 §15.5.9).
        case sendRequestTimeout
        /// The body arrives below the minimum data rate: answer 408, then close.
        case requestBodyTooSlow
        /// The client reads the response below the minimum data rate: close (the response has
        /// started, so no other status can be sent).
        case responseTooSlow
    }

    /// Bytes moved since a body or a response began, for the minimum data rates.
    package struct Transfer: Equatable {
        var started: MonotonicInstant
        /// Bytes received, or bytes handed to the kernel for sending.
        var bytes = 0
        /// Of the bytes sent, those the client has not acknowledged yet: all new ones, until
        /// `sendQueueObserved` says otherwise.
        var unacknowledged = 0
        /// Seconds the rate's origin lies before `started`: how far ahead of the rate the
        /// transfer ran, beyond the stall timeout's worth (`MinimumDataRate.backdating`).
        var backdating = 0.0

        /// What the client has actually sent or received. A response's bytes count when the
        /// client acknowledges them, not when the kernel takes them: the send buffer holds
        /// megabytes once autotuned, which would otherwise pass for hours of progress.
        var delivered: Int { bytes - unacknowledged }
    }

    /// What the connection must do after a response has been written.
    package enum AfterResponse: Equatable {
        /// Wait for (or parse) the next request.
        case readNextRequest
        /// Shut down our side and linger until the peer closes.
        case linger
        /// Close now: the server is shutting down, or the client asked to close and nothing more
        /// will come.
        case close
    }

    package let timeouts: ConnectionTimeouts
    package private(set) var state: State
    /// The server is shutting down: finish what is in flight, start nothing new.
    package private(set) var isDraining = false
    /// The body being read or the response being written, while in those states.
    package private(set) var transfer: Transfer?

    /// A machine for a connection accepted at `now`.
    package init(timeouts: ConnectionTimeouts, acceptedAt now: MonotonicInstant) {
        self.timeouts = timeouts
        self.state = .readingHead(since: now, hasBytes: false)
    }

    /// Whether a new request may be parsed from buffered input now.
    package var canParseRequest: Bool {
        switch state {
        case .idle, .readingHead, .readingBody: true
        default: false
        }
    }

    /// Whether nothing of a request is in progress, so closing loses no work.
    package var isQuiescent: Bool {
        switch state {
        case .idle, .readingHead(_, hasBytes: false), .closed: true
        default: false
        }
    }

    /// Request bytes arrived.
    /// - Parameters:
    ///   - count: How many (counted towards the body's rate while a body is read).
    ///   - now: The current instant.
    package mutating func bytesReceived(_ count: Int = 0, at now: MonotonicInstant) {
        switch state {
        case .idle:
            state = .readingHead(since: now, hasBytes: true)
        case .readingHead(let since, false):
            state = .readingHead(since: since, hasBytes: true)
        case .readingBody:
            state = .readingBody(lastProgress: now)
            transfer?.bytes += count
            limitCredit(rate: timeouts.minimumRequestBodyRate, slack: timeouts.bodyRead, at: now)
        default:
            break
        }
    }

    /// A complete head arrived and a body follows.
    /// - Parameters:
    ///   - now: The current instant.
    ///   - bufferedBodyBytes: Bytes after the head that arrived with it (counted towards the
    ///     body's rate).
    package mutating func headReceived(at now: MonotonicInstant, bufferedBodyBytes: Int = 0) {
        state = .readingBody(lastProgress: now)
        transfer = Transfer(started: now, bytes: bufferedBodyBytes)
        limitCredit(rate: timeouts.minimumRequestBodyRate, slack: timeouts.bodyRead, at: now)
    }

    /// A complete request went to the handler.
    package mutating func requestReceived() {
        state = .processing
        transfer = nil
    }

    /// A response is about to be written.
    /// - Parameters:
    ///   - now: The current instant.
    ///   - clientWantsKeepAlive: What the request's version and `Connection` field ask for;
    ///     false for error responses, after which the framing of any further input is unknown.
    /// - Returns: Whether the connection stays open after this response (send `Connection: close`
    ///   when false).
    package mutating func responseStarted(at now: MonotonicInstant, clientWantsKeepAlive: Bool) -> Bool {
        let keepAlive = clientWantsKeepAlive && !isDraining
        state = .writing(lastProgress: now, closeAfter: !keepAlive)
        transfer = Transfer(started: now)
        return keepAlive
    }

    /// The socket accepted more response bytes.
    /// - Parameters:
    ///   - count: How many (counted towards the response's rate).
    ///   - now: The current instant.
    package mutating func wroteBytes(_ count: Int = 0, at now: MonotonicInstant) {
        if case .writing(_, let closeAfter) = state {
            state = .writing(lastProgress: now, closeAfter: closeAfter)
            // Not delivered until the kernel says the client acknowledged it.
            transfer?.bytes += count
            transfer?.unacknowledged += count
        }
    }

    /// The kernel reported how much of the response the client has not acknowledged yet.
    /// The client acknowledging bytes is progress, even while the send buffer is too full for
    /// the server to write (the kernel signals writability only when a third of it is free).
    /// - Parameters:
    ///   - unacknowledgedBytes: `SIOCOUTQ`.
    ///   - now: The current instant.
    package mutating func sendQueueObserved(unacknowledgedBytes: Int, at now: MonotonicInstant) {
        guard case .writing(_, let closeAfter) = state, var current = transfer else { return }
        let before = current.delivered
        current.unacknowledged = min(max(0, unacknowledgedBytes), current.bytes)
        transfer = current
        if current.delivered > before {
            state = .writing(lastProgress: now, closeAfter: closeAfter)
            limitCredit(rate: timeouts.minimumResponseRate, slack: timeouts.write, at: now)
        }
    }

    /// Lets running ahead of `rate` earn at most `slack` of stalling (see `Transfer.backdating`).
    private mutating func limitCredit(rate: MinimumDataRate?, slack: Duration, at now: MonotonicInstant) {
        guard let rate, var current = transfer else { return }
        current.backdating = rate.backdating(current.backdating, bytes: current.delivered, elapsed: now - current.started, slack: slack)
        transfer = current
    }

    /// The whole response is written.
    /// - Parameter clientMaySendMore: Whether input the server will not read may still be on its
    ///   way. A close then lingers (RFC 9112 §9.6): closing with unread input resets the connection,
    ///   which can destroy the response before the client reads it. False when the client asked to
    ///   close and sent nothing after that request: then it closes at once, as nginx does.
    package mutating func responseSent(at now: MonotonicInstant, clientMaySendMore: Bool = true) -> AfterResponse {
        guard case .writing(_, let closeAfter) = state else { return .close }
        transfer = nil
        if closeAfter {
            guard clientMaySendMore else { return .close }
            state = .lingering(since: now)
            return .linger
        }
        if isDraining {
            // The response began before the drain, so it announced keep-alive; no new request
            // will be read, and an idle connection would hold the process until the shutdown
            // deadline. Closing between responses is what RFC 9112 §9.3 allows a server at any
            // time; a client retries its next idempotent request on a new connection.
            state = .closed
            return .close
        }
        state = .idle(since: now)
        return .readNextRequest
    }

    /// The server began a graceful shutdown.
    /// - Returns: Whether the connection should close now (it has nothing in progress).
    package mutating func shutdownRequested() -> Bool {
        isDraining = true
        return isQuiescent
    }

    /// The connection was closed.
    package mutating func closed() {
        state = .closed
        transfer = nil
    }

    /// Checks the deadline of the current state.
    /// - Parameter now: The current instant.
    /// - Returns: What to do about an expired deadline.
    package func checkDeadline(at now: MonotonicInstant) -> TimeoutAction {
        switch state {
        case .idle(let since):
            return now >= since + timeouts.idle ? .close : .none
        case .readingHead(let since, let hasBytes):
            guard now >= since + timeouts.headerRead else { return .none }
            return hasBytes ? .sendRequestTimeout : .close
        case .readingBody(let lastProgress):
            if now >= lastProgress + timeouts.bodyRead { return .sendRequestTimeout }
            if let rate = timeouts.minimumRequestBodyRate, let transfer,
                rate.isViolated(bytes: transfer.delivered, elapsed: now - transfer.started, backdating: transfer.backdating)
            {
                return .requestBodyTooSlow
            }
            return .none
        case .writing(let lastProgress, _):
            if now >= lastProgress + timeouts.write { return .close }
            if let rate = timeouts.minimumResponseRate, let transfer,
                rate.isViolated(bytes: transfer.delivered, elapsed: now - transfer.started, backdating: transfer.backdating)
            {
                return .responseTooSlow
            }
            return .none
        case .lingering(let since):
            return now >= since + timeouts.linger ? .close : .none
        case .processing, .closed:
            return .none
        }
    }
}
