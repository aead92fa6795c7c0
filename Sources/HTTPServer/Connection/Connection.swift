import Logging

/// One client connection, driven by its event loop's thread only.
///
/// It reads into the parser, hands one complete request at a time to the handler (so pipelined
/// responses go out in order), writes the response with backpressure, and closes on errors,
/// deadlines and shutdown. Decisions about state and deadlines are the `ConnectionStateMachine`'s.
final class Connection: ResponseWriter {
    let socket: Socket
    let remoteAddress: String
    private let context: ConnectionContext
    // Exclusivity is enforced statically; these four would also be checked at run time on every
    // access (a class's stored properties), several times per request. Only the loop's thread
    // touches them, and no access to one is ever open while code runs that could reach it again
    // (the parser and input are separate properties; the handler's answer during dispatch is
    // parked in `responseDuringDispatch`), so the checks cannot fire and are turned off here.
    @exclusivity(unchecked) private(set) var machine: ConnectionStateMachine
    @exclusivity(unchecked) private var parser: RequestParser
    @exclusivity(unchecked) private var input = InputBuffer()
    @exclusivity(unchecked) private var pendingWrite: PendingWrite?

    /// The number of the request in flight, so a late response for a closed one is dropped.
    private var serial: UInt64 = 0
    private var isDispatching = false
    private var responseDuringDispatch: HTTPResponse?
    /// The last request's responder, when the handler kept no reference to it: the next request
    /// gets it back instead of a new one (one allocation less per request). It refers to this
    /// connection, so `close()` lets go of it.
    private var spareResponder: HTTPResponder?
    /// The request whose body is being read under a route's limit below the server's, and the
    /// route's answer if the body passes it.
    private var routeTooLarge: (head: HTTPRequest, response: HTTPResponse)?
    private var currentRequestIsHead = false
    private var currentRequestVersion = HTTPVersion.http1_1
    private var currentRequestWantsKeepAlive = false
    /// The current request was read whole and asked to close (`Connection: close`, or HTTP/1.0
    /// without keep-alive): nothing more should follow, so no lingering close is needed.
    private var currentRequestAskedToClose = false
    /// The client shut its sending side; answer what is in flight, then close.
    private var peerClosedInput = false
    /// Reading stopped because too much pipelined input is buffered; resume after the response.
    private var isReadSuspended = false
    private(set) var isClosed = false

    /// Buffered pipelined input above which reading pauses until the current response is out.
    private static let pipelineHighWater = 64 * 1024

    init(socket: Socket, remoteAddress: String, context: ConnectionContext, acceptedAt now: MonotonicInstant) {
        self.socket = socket
        self.remoteAddress = remoteAddress
        self.context = context
        self.machine = ConnectionStateMachine(timeouts: context.timeouts, acceptedAt: now)
        self.parser = RequestParser(limits: context.limits)
    }

    // MARK: - Events from the loop

    /// The socket may have input (edge-triggered: read until it is drained).
    /// - Parameters:
    ///   - now: The loop's time.
    ///   - peerMayHaveClosed: Whether epoll reported a hang-up or error with this event. When it
    ///     did not, a read that does not fill the buffer has drained the socket: any byte or FIN
    ///     that arrives later raises a new edge, so the extra read that would only return EAGAIN
    ///     is skipped (one syscall less per request, as nginx does with EPOLLRDHUP).
    func onReadable(at now: MonotonicInstant, peerMayHaveClosed: Bool = true) {
        while !isClosed && !isReadSuspended && !peerClosedInput {
            let result: Socket.IOResult
            do {
                result = try socket.read(into: context.readBuffer)
            } catch {
                context.logger.debug("read failed", metadata: ["peer": "\(remoteAddress)", "error": "\(error)"])
                close()
                return
            }
            switch result {
            case .transferred(let count):
                if case .lingering = machine.state { continue }  // Discard: the exchange is over.
                input.append(UnsafeRawBufferPointer(rebasing: context.readBuffer[..<count]))
                machine.bytesReceived(count, at: now)
                drive(at: now)
                if !machine.canParseRequest && input.readableCount > Self.pipelineHighWater {
                    isReadSuspended = true
                }
                if count < context.readBuffer.count && !peerMayHaveClosed { return }
            case .wouldBlock:
                return
            case .endOfFile:
                peerClosedInput = true
            }
        }
        guard peerClosedInput, !isClosed else { return }
        if case .lingering = machine.state {
            close()
        } else {
            drive(at: now)
        }
    }

    /// The socket may accept output again.
    func onWritable(at now: MonotonicInstant) {
        guard !isClosed, let write = pendingWrite else { return }
        if flush(at: now) {
            if write.isInterim {
                pendingWrite = nil
                return
            }
            finishResponse(at: now)
            drive(at: now)
        }
    }

    /// Checks the deadline of the current state and acts on it.
    func checkDeadline(at now: MonotonicInstant) {
        let state = machine.state
        if case .writing = state {
            // Where the kernel cannot say, every byte it took counts as delivered.
            machine.sendQueueObserved(unacknowledgedBytes: socket.unacknowledgedByteCount() ?? 0, at: now)
        }
        switch machine.checkDeadline(at: now) {
        case .none:
            break
        case .close:
            if case .writing = state {
                context.statistics.slowClientCut(.responseStalled)
                context.logger.notice(
                    "client stopped reading the response; connection closed",
                    metadata: ["peer": "\(remoteAddress)", "reason": "\(ServerStatistics.SlowClientReason.responseStalled.rawValue)"])
                // Unsent bytes would hold the FIN back for as long as the client keeps not reading.
                socket.resetOnClose()
            }
            close()
        case .sendRequestTimeout:
            if case .readingBody = state {
                context.statistics.slowClientCut(.requestBodyStalled)
                sendError(HTTPError(.requestTimeout, "the request body stopped arriving"), at: now)
            } else {
                context.statistics.slowClientCut(.requestHeadTimeout)
                sendError(HTTPError(.requestTimeout, "the request head took too long to arrive"), at: now)
            }
        case .requestBodyTooSlow:
            context.statistics.slowClientCut(.requestBodyTooSlow)
            sendError(HTTPError(.requestTimeout, "the request body arrived below the minimum data rate"), at: now)
        case .responseTooSlow:
            context.statistics.slowClientCut(.responseTooSlow)
            context.logger.notice(
                "client read the response below the minimum data rate; connection closed",
                metadata: ["peer": "\(remoteAddress)", "reason": "\(ServerStatistics.SlowClientReason.responseTooSlow.rawValue)"])
            // A reset, not a FIN queued behind the response: the client learns at once that it was
            // cut, and the kernel frees the send buffer instead of retrying it as an orphan.
            socket.resetOnClose()
            close()
        }
    }

    /// The server is shutting down: close if idle, else finish the exchange in flight and close.
    func beginShutdown() {
        if machine.shutdownRequested() { close() }
    }

    // MARK: - Requests

    /// Parses and dispatches buffered requests for as long as the state allows.
    private func drive(at now: MonotonicInstant) {
        while !isClosed && machine.canParseRequest {
            let event: ParseEvent?
            do {
                event = try parser.next(&input)
            } catch let error as HTTPError {
                context.logger.debug("bad request", metadata: ["peer": "\(remoteAddress)", "error": "\(error)"])
                if error.status == .contentTooLarge, let (head, response) = routeTooLarge {
                    // A chunked body passed the route's own limit: its 413, in its format.
                    answerWithoutReadingBody(head, response, at: now)
                } else {
                    sendError(error, at: now)
                }
                return
            } catch {
                sendError(HTTPError(.badRequest, "malformed request"), at: now)
                return
            }
            // Consumed, and matched without unwrapping into a second binding, so the request is
            // moved out of the event rather than copied (a retain and a release of each buffer).
            switch consume event {
            case nil:
                // Input ended before a request was complete: nothing left to answer.
                if peerClosedInput { close() }
                return
            case .head(let head)?:
                guard admitBody(of: head, at: now) else { return }
                machine.headReceived(at: now, bufferedBodyBytes: input.readableCount)
                if head.expectsContinue && input.isEmpty { sendContinue(at: now) }
            case .request(var request)?:
                request.remoteAddress = remoteAddress
                dispatch(request, at: now)
            }
        }
    }

    /// Asks the application what to do with the body `head` announces, before any of it is read
    /// or `100 Continue` is sent: a route that refuses it, or takes less than it announces, is
    /// answered at once, and one that takes less than the server's limit buffers no more.
    /// - Returns: Whether to read the body.
    private func admitBody(of head: RequestHead, at now: MonotonicInstant) -> Bool {
        routeTooLarge = nil
        var request = head.request(body: [])
        request.remoteAddress = remoteAddress
        // `OPTIONS *` concerns the server, not a resource of the application's.
        let policy = request.isAsteriskForm ? BodyPolicy.serverLimit : context.handler.bodyPolicy(for: request)
        switch policy {
        case .refuse(let response):
            answerWithoutReadingBody(request, response, at: now)
            return false
        case .accept(let maxBytes, let tooLarge):
            let limit = min(maxBytes, context.limits.maxBodySize)
            if case .length(let length) = head.framing, length > limit {
                answerWithoutReadingBody(
                    request, tooLarge ?? Self.tooLargeResponse(limit: limit), at: now)
                return false
            }
            parser.limitBody(to: limit)
            if limit < context.limits.maxBodySize, let tooLarge { routeTooLarge = (request, tooLarge) }
            return true
        }
    }

    /// The server's own 413, as `sendError` words it.
    private static func tooLargeResponse(limit: Int) -> HTTPResponse {
        var response = HTTPResponse.text(
            "\(HTTPStatus.contentTooLarge.reasonPhrase): body larger than \(limit) bytes\n", status: .contentTooLarge)
        response.headers.add("X-Content-Type-Options", "nosniff")
        return response
    }

    /// Sends the application's answer to a request whose body will not be read, then closes
    /// (lingering, so the unread body does not turn the close into a reset, RFC 9112 §9.6).
    private func answerWithoutReadingBody(_ head: HTTPRequest, _ response: HTTPResponse, at now: MonotonicInstant) {
        routeTooLarge = nil
        context.observer?.requestAnsweredByServer(head, response: response)
        currentRequestIsHead = head.method == .head
        currentRequestVersion = head.version
        currentRequestWantsKeepAlive = false
        currentRequestAskedToClose = false
        machine.requestReceived()
        startResponse(response, at: now)
    }

    private func dispatch(_ request: HTTPRequest, at now: MonotonicInstant) {
        routeTooLarge = nil
        serial &+= 1
        let requestSerial = serial
        currentRequestIsHead = request.method == .head
        currentRequestVersion = request.version
        let wantsKeepAlive = request.wantsKeepAlive
        currentRequestWantsKeepAlive = wantsKeepAlive
        currentRequestAskedToClose = !wantsKeepAlive
        machine.requestReceived()
        if request.isAsteriskForm {
            answerServerWide(request, at: now)
            return
        }
        isDispatching = true
        handOver(request, serial: requestSerial)
        isDispatching = false
        if let response = responseDuringDispatch.take() {
            startResponse(response, at: now)
        }
    }

    /// Answers `OPTIONS *` (RFC 9110 §9.3.7): "the server in general", 200 with the methods the
    /// application supports in `Allow` and, as §9.3.7 requires of a response without content,
    /// `Content-Length: 0`. The parser lets asterisk-form through for OPTIONS only (any other
    /// method with `*` is a 400, RFC 9112 §3.2.4), and answers CONNECT itself (501).
    private func answerServerWide(_ request: HTTPRequest, at now: MonotonicInstant) {
        let response = HTTPResponse(status: .ok, headers: ["Allow": context.serverWideMethods])
        context.observer?.requestAnsweredByServer(request, response: response)
        startResponse(response, at: now)
    }

    /// Calls the handler with a responder, the spare or a new one. One the handler dropped
    /// unanswered answers (500) before this returns, while `isDispatching` still holds: a local
    /// in `dispatch` would live to the end of that function in unoptimized builds and answer after
    /// it, re-entering `drive` once per pipelined request (one stack level each).
    private func handOver(_ request: HTTPRequest, serial requestSerial: UInt64) {
        var responder: HTTPResponder
        if let spare = spareResponder.take() {
            spare.rearm(serial: requestSerial)
            responder = spare
        } else {
            responder = HTTPResponder(ResponseTarget(writer: self, inbox: context.inbox), serial: requestSerial)
        }
        context.handler.answer(request, responder: responder)
        // Held by nobody else, the handler is done with it: answered, or dropped unanswered, which
        // gets the 500 its deinit would have sent. Either way it is free for the next request.
        if isKnownUniquelyReferenced(&responder) {
            responder.answerIfUnanswered()
            spareResponder = responder
        }
    }

    /// A handler's response arrives (on the loop thread).
    func write(_ response: consuming HTTPResponse, serial responseSerial: UInt64) {
        guard !isClosed, responseSerial == serial, machine.state == .processing else { return }
        if isDispatching {
            // Answered synchronously inside `answer`: send after it returns, not re-entrantly.
            responseDuringDispatch = consume response
            return
        }
        let now = MonotonicInstant.now()
        startResponse(response, at: now)
        drive(at: now)
    }

    // MARK: - Responses

    /// Sends `100 Continue` (RFC 9110 §10.1.1). Queued like any output: what the socket does not
    /// take now goes out on the next writable event, and a final response that follows is sent
    /// after its last byte, so the interim response is never cut short or lost.
    private func sendContinue(at now: MonotonicInstant) {
        pendingWrite = PendingWrite(interim: Self.continueResponse)
        if flush(at: now) { pendingWrite = nil }
    }

    private static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private func sendError(_ error: HTTPError, at now: MonotonicInstant) {
        context.observer?.requestRejected(error, remoteAddress: remoteAddress)
        currentRequestIsHead = false
        currentRequestWantsKeepAlive = false
        currentRequestAskedToClose = false
        var response = HTTPResponse.text("\(error.status.reasonPhrase): \(error.reason)\n", status: error.status)
        // Defence in depth, as on every application response: plain text is never sniffed as HTML.
        response.headers.add("X-Content-Type-Options", "nosniff")
        startResponse(response, at: now)
    }

    private func startResponse(_ response: HTTPResponse, at now: MonotonicInstant) {
        // After a half-close, pipelined requests already buffered are still answered (the client
        // is waiting for them); only the response that leaves nothing buffered says close.
        let moreInputMayFollow = !peerClosedInput || !input.isEmpty
        let keepAlive = machine.responseStarted(
            at: now, clientWantsKeepAlive: currentRequestWantsKeepAlive && moreInputMayFollow)
        let head = context.encodeHead(response, keepAlive: keepAlive, requestVersion: currentRequestVersion)
        let sendsContent = !currentRequestIsHead && !response.status.forbidsContent
        // An interim response not yet fully written goes first, in the same write.
        var write = PendingWrite(head: head, after: pendingWrite.take())
        if sendsContent {
            switch response.body {
            case .empty: break
            case .bytes(let bytes): write.bytes = bytes
            case .file(let region): write.file = region
            }
        }
        pendingWrite = write
        if flush(at: now) { finishResponse(at: now) }
    }

    /// Writes as much of the pending response as the socket takes.
    /// - Returns: True when all of it is written.
    private func flush(at now: MonotonicInstant) -> Bool {
        // Moved out, not copied: a copy would retain (and later release) each of its buffers.
        guard var write = pendingWrite.take() else { return true }
        defer { if !isClosed { pendingWrite = write } }
        do {
            while true {
                if write.headOffset < write.head.count || write.bytesOffset < write.bytes.count {
                    let result = try write.head.withUnsafeBytes { head in
                        try write.bytes.withUnsafeBytes { bytes in
                            try socket.send(
                                UnsafeRawBufferPointer(rebasing: head[write.headOffset...]),
                                UnsafeRawBufferPointer(rebasing: bytes[write.bytesOffset...]),
                                more: write.file != nil)
                        }
                    }
                    guard case .transferred(let count) = result else { return false }
                    write.advance(by: count)
                    if !write.isInterim { machine.wroteBytes(count, at: now) }
                } else if let file = write.file, write.fileSent < file.length {
                    let result = try socket.sendFile(
                        file.descriptor, offset: file.offset + write.fileSent, count: file.length - write.fileSent)
                    switch result {
                    case .transferred(let count):
                        write.fileSent += count
                        machine.wroteBytes(count, at: now)
                    case .wouldBlock:
                        return false
                    case .endOfFile:
                        // The file shrank after Content-Length went out: the framing is broken.
                        context.logger.warning("file shorter than announced", metadata: ["peer": "\(remoteAddress)"])
                        close()
                        return false
                    }
                } else {
                    return true
                }
            }
        } catch {
            context.logger.debug("write failed", metadata: ["peer": "\(remoteAddress)", "error": "\(error)"])
            close()
            return false
        }
    }

    private func finishResponse(at now: MonotonicInstant) {
        pendingWrite = nil
        let clientMaySendMore = !currentRequestAskedToClose || !input.isEmpty || isReadSuspended
        switch machine.responseSent(at: now, clientMaySendMore: clientMaySendMore) {
        case .readNextRequest:
            if !input.isEmpty {
                // Part of the next request arrived with this one: it is being read, not idle, so
                // the header-read deadline applies (408), not the idle one (silent close).
                machine.bytesReceived(at: now)
            }
            resumeReading()
        case .linger:
            input = InputBuffer()
            socket.shutdownWrite()
            if peerClosedInput {
                close()
            } else {
                // Lingering exists to read what the client still sends (RFC 9112 §9.6): reads
                // paused for pipelining must resume, or the unread bytes turn the close into a reset.
                resumeReading()
            }
        case .close:
            close()
        }
    }

    /// Ends a pause of reading. Input that arrived during the pause raised no new edge, so the
    /// read is scheduled rather than left to epoll; scheduled, not run here, so it does not
    /// re-enter the response path that called this.
    private func resumeReading() {
        guard isReadSuspended else { return }
        isReadSuspended = false
        let reference = ConnectionReference(connection: self)
        context.inbox.schedule { reference.connection.onReadable(at: .now()) }
    }

    /// Closes the socket and forgets the connection. Safe to call more than once.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        machine.closed()
        pendingWrite = nil
        spareResponder = nil
        context.connectionClosed(self)
    }
}

/// Carries a connection into work scheduled on its loop (which must be Sendable). The connection
/// is only touched there, on its loop's thread, which makes this sound.
private struct ConnectionReference: @unchecked Sendable {
    let connection: Connection
}
