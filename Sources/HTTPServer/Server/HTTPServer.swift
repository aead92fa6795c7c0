import Glibc
import Logging
import Synchronization

/// An HTTP/1.1 server on POSIX sockets and epoll, with no SwiftNIO.
///
/// ```swift
/// let server = HTTPServer(configuration: .init(port: 0), handler: app, observer: app, logger: logger)
/// try server.start()
/// print(server.port)               // the port the kernel picked
/// await server.shutdown(gracePeriod: .seconds(10))
/// ```
///
/// Each event loop is a thread with its own `SO_REUSEPORT` listener, so the kernel balances
/// connections across loops. The handler runs on those threads and must not block.
public final class HTTPServer: Sendable {
    /// Everything the server can be told.
    public typealias Configuration = ServerConfiguration

    /// The settings the server was made with.
    public let configuration: Configuration
    /// Live counters (open connections, accepted connections).
    public let statistics: ServerStatistics

    private let handler: any HTTPHandler
    private let observer: (any HTTPServerObserver)?
    private let logger: Logger
    private let state = Mutex<LifecycleState>(.idle)

    private enum LifecycleState {
        case idle
        case running(loops: [EventLoop], port: Int, runningLoops: Int, waiters: [CheckedContinuation<Void, Never>])
        case stopped
    }

    /// Creates a server; nothing is bound until `start()`.
    /// - Parameters:
    ///   - configuration: Address, limits and deadlines.
    ///   - handler: What answers requests.
    ///   - observer: What hears of the requests the server answered itself, if anything.
    ///   - statistics: Counters to update; pass your own to read them from the application.
    ///   - logger: Where lifecycle and connection errors go.
    public init(
        configuration: Configuration,
        handler: some HTTPHandler,
        observer: (any HTTPServerObserver)? = nil,
        statistics: ServerStatistics = ServerStatistics(),
        logger: Logger
    ) {
        self.configuration = configuration
        self.handler = handler
        self.observer = observer
        self.statistics = statistics
        self.logger = logger
    }

    /// The bound port while running (after `start()`), else nil.
    public var port: Int? {
        state.withLock { state in
            if case .running(_, let port, _, _) = state { return port }
            return nil
        }
    }

    /// Binds the listeners and starts the event loops; returns once the server accepts.
    /// - Throws: `SocketError` when the address is invalid or cannot be bound (e.g. EADDRINUSE),
    ///   `HTTPServerError.alreadyStarted` on a second call.
    public func start() throws {
        try state.withLock { state in
            guard case .idle = state else { throw HTTPServerError.alreadyStarted }
            // Writes to a peer that left must fail with EPIPE, never kill the process.
            signal(SIGPIPE, SIG_IGN)
            let loopCount = configuration.resolvedEventLoopCount
            let backlog = Int32(clamping: configuration.backlog)
            var listeners: [Socket] = []
            var loops: [EventLoop] = []
            // Listeners handed to a loop (which then closes it, even when its init throws), and
            // loops whose thread runs: what a failure must release, and how.
            var handedOver = 0
            var started = 0
            do {
                let first = try Socket.listen(on: SocketAddress(host: configuration.host, port: configuration.port), backlog: backlog)
                listeners.append(first)
                let port = try first.localAddress().port
                for _ in 1..<loopCount {
                    listeners.append(try Socket.listen(
                        on: SocketAddress(host: configuration.host, port: port), backlog: backlog, joiningPort: true))
                }
                for (index, listener) in listeners.enumerated() {
                    handedOver += 1
                    loops.append(try EventLoop(
                        index: index, listener: listener, configuration: configuration, handler: handler,
                        observer: observer, statistics: statistics, logger: logger))
                }
                for loop in loops where loops.count > 1 {
                    let others = loops.filter { $0 !== loop }
                    loop.reclaimIdleElsewhere = {
                        for other in others { other.runOnLoop { other.closeOldestIdleConnection() } }
                    }
                }
                state = .running(loops: loops, port: port, runningLoops: loops.count, waiters: [])
                for loop in loops {
                    try loop.start { [weak self] in self?.loopStopped() }
                    started += 1
                }
                logger.info(
                    "listening",
                    metadata: ["address": "\(configuration.host)", "port": "\(port)", "eventLoops": "\(loopCount)"])
            } catch {
                // Leave nothing behind: a failed start must not leak descriptors or keep serving.
                listeners.dropFirst(handedOver).forEach { $0.close() }
                loops.dropFirst(started).forEach { $0.discard() }
                for loop in loops.prefix(started) {
                    loop.runOnLoop { loop.beginShutdown(deadline: .now()) }
                }
                state = .stopped
                throw error
            }
        }
    }

    /// Stops gracefully: closes the listeners at once, closes idle keep-alive connections, lets
    /// requests in flight finish (each then closes), and after `gracePeriod` closes whatever is
    /// left. Returns when every event loop has stopped. Safe to call more than once.
    /// - Parameter gracePeriod: The longest to wait for requests in flight.
    public func shutdown(gracePeriod: Duration) async {
        let deadline = MonotonicInstant.now() + gracePeriod
        let loops: [EventLoop] = state.withLock { state in
            if case .running(let loops, _, _, _) = state { return loops }
            return []
        }
        logger.info("shutting down", metadata: ["gracePeriod": "\(gracePeriod)"])
        for loop in loops {
            loop.runOnLoop { loop.beginShutdown(deadline: deadline) }
        }
        await waitUntilStopped()
    }

    /// Returns when the server has stopped (at once if it never started).
    public func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                guard case .running(let loops, let port, let running, var waiters) = state else { return true }
                waiters.append(continuation)
                state = .running(loops: loops, port: port, runningLoops: running, waiters: waiters)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func loopStopped() {
        let waiters: [CheckedContinuation<Void, Never>]? = state.withLock { state in
            guard case .running(let loops, let port, let running, let waiters) = state else { return nil }
            if running > 1 {
                state = .running(loops: loops, port: port, runningLoops: running - 1, waiters: waiters)
                return nil
            }
            state = .stopped
            return waiters
        }
        guard let waiters else { return }
        logger.info("stopped")
        waiters.forEach { $0.resume() }
    }
}

/// Misuse of the server's lifecycle.
public enum HTTPServerError: Error, Equatable, Sendable {
    /// `start()` was called on a server that already started.
    case alreadyStarted
}
