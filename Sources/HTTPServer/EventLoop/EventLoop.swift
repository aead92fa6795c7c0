import Glibc
import CHTTPShims
import Logging
import Synchronization

/// One thread running an edge-triggered epoll loop over its own listener and connections.
///
/// Everything but `runOnLoop` is called on the loop's thread only. Other threads hand work in
/// through its `EventLoopInbox`. An idle loop sleeps in `epoll_wait` with no timeout; with
/// connections open it wakes only to check deadlines (`tickInterval`).
final class EventLoop: @unchecked Sendable {
    let index: Int
    private let configuration: ServerConfiguration
    private let logger: Logger
    private let statistics: ServerStatistics
    private let inbox: EventLoopInbox
    /// What this loop's connections are given of it.
    private let connectionContext: ConnectionContext
    private let epollDescriptor: Int32
    private var listener: Socket?
    /// Loop-thread state touched on every event; no access to it stays open across a call that
    /// could reach it again, so its run-time exclusivity check cannot fire.
    @exclusivity(unchecked) private var connections = ConnectionTable()
    private let tickInterval: Duration
    /// `tickInterval` in nanoseconds: the wait timeout is computed at every wake-up, with integers.
    private let tickNanoseconds: UInt64
    private var nextTick = MonotonicInstant(nanoseconds: 0)
    private var isAcceptPaused = false
    private var acceptRetryAt = MonotonicInstant(nanoseconds: 0)
    /// Accepting fails (EMFILE, ENFILE, ENOBUFS, ENOMEM) since `since`, `failures` times so far:
    /// logged once when it starts and once when it ends, not at every retry.
    private var acceptFailures: (since: MonotonicInstant, failures: Int)?
    private var drainDeadline: MonotonicInstant?
    /// Asks the other loops to close one idle connection each; set by the server before the
    /// loops start, cleared when this one stops (it holds the other loops).
    var reclaimIdleElsewhere: (@Sendable () -> Void)?
    /// The other loops were asked for a slot during the current pause of accepting: asked once.
    private var hasAskedSiblingsForIdleConnection = false
    private var onStopped: (@Sendable () -> Void)?

    private static let maxEventsPerWait: Int32 = 256
    /// How long accepting pauses after EMFILE/ENFILE before trying again.
    private static let acceptRetryDelay = Duration.milliseconds(100)

    /// Creates a loop that owns `listener`: it closes it when it stops, or here if init throws.
    init(
        index: Int,
        listener: Socket,
        configuration: ServerConfiguration,
        handler: any HTTPHandler,
        observer: (any HTTPServerObserver)?,
        statistics: ServerStatistics,
        logger: Logger
    ) throws {
        self.index = index
        self.listener = listener
        self.configuration = configuration
        self.statistics = statistics
        self.logger = logger
        let tick = configuration.timeouts.shortest / 4
        self.tickInterval = min(max(tick, .milliseconds(5)), .seconds(1))
        self.tickNanoseconds = tickInterval.nanosecondsClamped

        epollDescriptor = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollDescriptor >= 0 else {
            let error = SocketError.failed("epoll_create1")
            listener.close()
            throw error
        }
        do {
            inbox = try EventLoopInbox()
        } catch {
            listener.close()
            close(epollDescriptor)
            throw error
        }
        connectionContext = ConnectionContext(
            handler: handler, observer: observer, configuration: configuration, statistics: statistics,
            logger: logger, inbox: inbox)
        connectionContext.connectionClosed = { [unowned self] connection in self.connectionClosed(connection) }
        do {
            try register(inbox.wakeDescriptor, events: chttp_epoll_in | chttp_epoll_edge_triggered)
            try register(listener.descriptor, events: chttp_epoll_in | chttp_epoll_edge_triggered)
        } catch {
            releaseResources()
            throw error
        }
    }

    // MARK: - Thread

    /// Starts the loop's thread.
    /// - Parameter onStopped: Called on the loop's thread after it has closed everything.
    func start(onStopped: @escaping @Sendable () -> Void) throws {
        self.onStopped = onStopped
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let loop = Unmanaged<EventLoop>.fromOpaque(argument!).takeRetainedValue()
            loop.run()
            return nil
        }, box)
        guard result == 0 else {
            Unmanaged<EventLoop>.fromOpaque(box).release()
            throw SocketError.failed("pthread_create", code: result)
        }
        pthread_detach(thread)
    }

    /// Runs `task` on the loop's thread: at once when called there, else at its next wake-up.
    /// Any thread may call it.
    func runOnLoop(_ task: @escaping @Sendable () -> Void) {
        inbox.runOnLoop(task)
    }

    private func run() {
        inbox.adoptCurrentThread()
        chttp_set_thread_name("http-loop-\(index)")
        var events = [epoll_event](repeating: epoll_event(), count: Int(Self.maxEventsPerWait))
        while true {
            let count = epoll_wait(epollDescriptor, &events, Self.maxEventsPerWait, waitTimeoutMilliseconds())
            if count < 0 {
                if errno == EINTR { continue }
                logger.critical("epoll_wait failed; the event loop stops", metadata: ["error": "\(SocketError.failed("epoll_wait"))"])
                break
            }
            let now = MonotonicInstant.now()
            for event in events[..<Int(count)] {
                handle(event, at: now)
            }
            if drainDeadline != nil || !connections.isEmpty || isAcceptPaused, now >= nextTick {
                tick(at: now)
            }
            if drainDeadline != nil && connections.isEmpty { break }
        }
        for connection in connections.all { connection.close() }
        releaseResources()
        reclaimIdleElsewhere = nil
        onStopped?()
        onStopped = nil
    }

    /// Releases the descriptors of a loop whose thread never started (a failed server start).
    func discard() {
        reclaimIdleElsewhere = nil
        releaseResources()
    }

    private func waitTimeoutMilliseconds() -> Int32 {
        guard drainDeadline != nil || !connections.isEmpty || isAcceptPaused else { return -1 }
        let now = MonotonicInstant.now()
        if nextTick <= now { nextTick = now.adding(nanoseconds: tickNanoseconds) }
        // Rounded up, so a deadline is never missed by waking early.
        return Int32(clamping: (nextTick.nanoseconds - now.nanoseconds + 999_999) / 1_000_000)
    }

    private func handle(_ event: epoll_event, at now: MonotonicInstant) {
        let descriptor = event.data.fd
        if descriptor == inbox.wakeDescriptor {
            for task in inbox.takeTasks() { task() }
        } else if descriptor == listener?.descriptor {
            acceptConnections(at: now)
        } else if let connection = connections[descriptor] {
            let hangUp = chttp_epoll_read_hang_up | chttp_epoll_hang_up | chttp_epoll_error
            if event.events & (chttp_epoll_in | hangUp) != 0 {
                connection.onReadable(at: now, peerMayHaveClosed: event.events & hangUp != 0)
            }
            if event.events & chttp_epoll_out != 0 && !connection.isClosed { connection.onWritable(at: now) }
        }
    }

    private func tick(at now: MonotonicInstant) {
        nextTick = now.adding(nanoseconds: tickNanoseconds)
        for connection in connections.all {
            connection.checkDeadline(at: now)
        }
        if isAcceptPaused && now >= acceptRetryAt {
            acceptConnections(at: now)
        }
        if let deadline = drainDeadline, now >= deadline, !connections.isEmpty {
            logger.warning(
                "shutdown deadline passed; closing connections still in flight",
                metadata: ["loop": "\(index)", "connections": "\(connections.count)"])
            for connection in connections.all { connection.close() }
        }
    }

    // MARK: - Connections

    private func acceptConnections(at now: MonotonicInstant) {
        guard let listener, drainDeadline == nil else { return }
        isAcceptPaused = false
        while true {
            guard statistics.reserveConnection(limit: configuration.maxConnections) else {
                // At the cap with a newcomer waiting, idle keep-alive connections give way, oldest
                // first, as nginx's "reusing connections": a client between requests loses nothing
                // (RFC 9112 §9.3 lets a server close an idle connection at any time, and clients
                // retry on a new one), while a new client would otherwise wait for a slot until
                // someone's idle timeout passed.
                if listener.hasPendingConnection {
                    if closeOldestIdleConnection() { continue }  // Its slot is free: accept again.
                    if !hasAskedSiblingsForIdleConnection {
                        // The idle connections may all live on other loops (one listener each):
                        // they give one up each; the next tick here accepts into the freed slot.
                        hasAskedSiblingsForIdleConnection = true
                        reclaimIdleElsewhere?()
                    }
                }
                // Else leave newcomers in the kernel's queue; a close or a tick resumes.
                isAcceptPaused = true
                acceptRetryAt = now
                return
            }
            hasAskedSiblingsForIdleConnection = false
            let accepted: (Socket, SocketAddress)?
            do {
                accepted = try listener.accept()
            } catch let error as SocketError {
                statistics.releaseConnection()
                // EMFILE/ENFILE/ENOBUFS/ENOMEM: pause instead of spinning on a queue we cannot drain.
                if let streak = acceptFailures {
                    acceptFailures = (streak.since, streak.failures + 1)
                } else {
                    acceptFailures = (now, 1)
                    logger.error(
                        "accept failed; pausing accepts and retrying every \(Self.acceptRetryDelay) until it works",
                        metadata: ["loop": "\(index)", "error": "\(error)"])
                }
                isAcceptPaused = true
                acceptRetryAt = now + Self.acceptRetryDelay
                return
            } catch {
                statistics.releaseConnection()
                return
            }
            acceptWorksAgain(at: now)
            guard let (socket, address) = accepted else {
                statistics.releaseConnection()
                return
            }
            do {
                try register(
                    socket.descriptor,
                    events: chttp_epoll_in | chttp_epoll_out | chttp_epoll_read_hang_up | chttp_epoll_edge_triggered)
            } catch {
                logger.error("epoll_ctl failed for a new connection", metadata: ["error": "\(error)"])
                socket.close()
                statistics.releaseConnection()
                continue
            }
            statistics.connectionAccepted()
            let connection = Connection(
                socket: socket, remoteAddress: address.host, context: connectionContext, acceptedAt: now)
            connections.insert(connection, at: socket.descriptor)
        }
    }

    /// Ends a run of accept failures with one line saying how long it lasted and how often it failed.
    private func acceptWorksAgain(at now: MonotonicInstant) {
        guard let streak = acceptFailures else { return }
        acceptFailures = nil
        logger.notice(
            "accepting again",
            metadata: [
                "loop": "\(index)", "failedAttempts": "\(streak.failures)",
                "pausedSeconds": "\((now - streak.since).secondsValue)",
            ])
    }

    /// Closes the connection that has been idle between requests the longest, if any.
    /// - Returns: Whether one was closed (its slot is free).
    @discardableResult
    func closeOldestIdleConnection() -> Bool {
        var oldest: (connection: Connection, since: MonotonicInstant)?
        for connection in connections.all {
            if case .idle(let since) = connection.machine.state, oldest.map({ since < $0.since }) ?? true {
                oldest = (connection, since)
            }
        }
        guard let oldest else { return false }
        logger.debug(
            "at the connection limit; closing the oldest idle keep-alive connection for a new client",
            metadata: ["peer": "\(oldest.connection.remoteAddress)", "loop": "\(index)"])
        oldest.connection.close()
        return true
    }

    /// Called by a connection as it closes (through its context).
    private func connectionClosed(_ connection: Connection) {
        connections.remove(at: connection.socket.descriptor)
        connection.socket.close()
        statistics.releaseConnection()
        if isAcceptPaused && drainDeadline == nil && MonotonicInstant.now() >= acceptRetryAt {
            acceptConnections(at: .now())
        }
    }

    // MARK: - Shutdown

    /// Stops accepting, closes idle connections and lets the others finish until `deadline`.
    func beginShutdown(deadline: MonotonicInstant) {
        guard drainDeadline == nil else { return }
        drainDeadline = deadline
        isAcceptPaused = false
        if let listener {
            listener.close()
            self.listener = nil
        }
        for connection in connections.all {
            connection.beginShutdown()
        }
        nextTick = .now()
    }

    // MARK: - epoll

    private func register(_ descriptor: Int32, events: UInt32) throws {
        var event = epoll_event()
        event.events = events
        event.data.fd = descriptor
        guard epoll_ctl(epollDescriptor, EPOLL_CTL_ADD, descriptor, &event) == 0 else {
            throw SocketError.failed("epoll_ctl")
        }
    }

    private func releaseResources() {
        listener?.close()
        listener = nil
        inbox.stop()
        close(epollDescriptor)
    }
}
