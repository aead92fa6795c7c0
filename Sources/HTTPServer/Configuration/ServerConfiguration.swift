/// Everything the server can be told, each with a documented default (`HTTPServer.Configuration`).
public struct ServerConfiguration: Sendable, Equatable {
    /// The address to listen on: an IPv4 or IPv6 literal (`0.0.0.0`, `::`, `127.0.0.1`).
    /// `::` accepts IPv4 too. Default `0.0.0.0`.
    public var host: String
    /// The TCP port; 0 picks a free one (see `HTTPServer.port`). Default 8080.
    public var port: Int
    /// The accept queue length. Default 1024 (the kernel caps it at `net.core.somaxconn`).
    public var backlog: Int
    /// Request size limits.
    public var limits: RequestLimits
    /// Connection deadlines.
    public var timeouts: ConnectionTimeouts
    /// The most connections open at once; at the cap, accepting pauses (the kernel queues
    /// newcomers) rather than spinning or resetting. Default 4096.
    public var maxConnections: Int
    /// How many event loops (threads) to run; nil means one per CPU this process may use,
    /// counting its affinity mask and cgroup CPU quota (see `CPUCount`).
    public var eventLoopCount: Int?

    /// Creates a configuration.
    /// - Parameters:
    ///   - host: The address to listen on.
    ///   - port: The port.
    ///   - backlog: The accept queue length.
    ///   - limits: Request size limits.
    ///   - timeouts: Connection deadlines.
    ///   - maxConnections: The most open connections.
    ///   - eventLoopCount: The number of event loops, or nil for the available CPUs.
    public init(
        host: String = "0.0.0.0",
        port: Int = 8080,
        backlog: Int = 1024,
        limits: RequestLimits = RequestLimits(),
        timeouts: ConnectionTimeouts = ConnectionTimeouts(),
        maxConnections: Int = 4096,
        eventLoopCount: Int? = nil
    ) {
        self.host = host
        self.port = port
        self.backlog = backlog
        self.limits = limits
        self.timeouts = timeouts
        self.maxConnections = maxConnections
        self.eventLoopCount = eventLoopCount
    }

    /// The event loops to start: the setting, or the CPUs available to the process.
    public var resolvedEventLoopCount: Int {
        max(1, eventLoopCount ?? CPUCount.available())
    }
}
