import Logging

/// What a connection needs from its event loop, and no more: the application, the limits and
/// deadlines, the head encoder with its cached `Date`, the counters, the loop's inbox, and whom to
/// tell when it closes. One per loop, shared by its connections and used on its thread only.
final class ConnectionContext {
    let handler: any HTTPHandler
    let observer: (any HTTPServerObserver)?
    let limits: RequestLimits
    let timeouts: ConnectionTimeouts
    let statistics: ServerStatistics
    let logger: Logger
    /// Work for later on this loop (a paused read resuming), and the hop a responder takes.
    let inbox: EventLoopInbox
    /// `Allow` in the server's own answer to `OPTIONS *`: the handler's methods, joined once.
    let serverWideMethods: String
    /// The loop's scratch buffer for reads; its bytes are copied into a connection's input.
    let readBuffer: UnsafeMutableRawBufferPointer
    /// Tells the loop that a connection closed, so it forgets it and frees its slot. Set by the
    /// loop once it exists (it holds this context, so the closure holds it unowned).
    var connectionClosed: (Connection) -> Void = { _ in }
    /// Used by one call at a time on the loop's thread, so its run-time exclusivity check (on
    /// every response) cannot fire.
    @exclusivity(unchecked) private var headEncoder = ResponseHeadEncoder()

    private static let readBufferSize = 64 * 1024

    init(
        handler: any HTTPHandler,
        observer: (any HTTPServerObserver)?,
        configuration: ServerConfiguration,
        statistics: ServerStatistics,
        logger: Logger,
        inbox: EventLoopInbox
    ) {
        self.handler = handler
        self.observer = observer
        self.limits = configuration.limits
        self.timeouts = configuration.timeouts
        self.statistics = statistics
        self.logger = logger
        self.inbox = inbox
        self.serverWideMethods = handler.supportedMethods.map(\.rawValue).joined(separator: ", ")
        self.readBuffer = .allocate(byteCount: Self.readBufferSize, alignment: 16)
    }

    deinit {
        readBuffer.deallocate()
    }

    /// Encodes a response head with the loop's cached `Date`.
    func encodeHead(_ response: HTTPResponse, keepAlive: Bool, requestVersion: HTTPVersion) -> [UInt8] {
        headEncoder.encode(
            response, keepAlive: keepAlive, requestVersion: requestVersion,
            nowEpochSeconds: HTTPDate.nowEpochSeconds())
    }
}
