/// The deadlines every connection runs under. Each is a setting of the server's `Configuration`.
public struct ConnectionTimeouts: Sendable, Equatable {
    /// The longest a client may take to send a complete request head, counted from the first byte
    /// (or from accept, for the first request) and never restarted by later bytes, so trickling
    /// the head does not help (slowloris). On expiry: 408, then close.
    public var headerRead: Duration
    /// The longest a client may pause while sending a body. On expiry: 408, then close.
    public var bodyRead: Duration
    /// How long a keep-alive connection may sit between requests before it is closed.
    public var idle: Duration
    /// The longest a client may stop reading a response before the connection is dropped.
    public var write: Duration
    /// How long to keep reading (and discarding) after a final response with `Connection: close`,
    /// so unread request bytes do not turn the close into a reset that destroys the response.
    public var linger: Duration
    /// The slowest a request body may arrive, or nil for no rate (only `bodyRead` between bytes).
    /// On violation: 408, then close.
    public var minimumRequestBodyRate: MinimumDataRate?
    /// The slowest a client may read a response, or nil for no rate (only `write` between
    /// writes). On violation the connection is closed: a response already started cannot be
    /// replaced by a 408.
    public var minimumResponseRate: MinimumDataRate?

    /// Creates timeouts.
    /// - Parameters:
    ///   - headerRead: Default 10 s.
    ///   - bodyRead: Default 30 s.
    ///   - idle: Default 60 s.
    ///   - write: Default 30 s.
    ///   - linger: Default 2 s.
    ///   - minimumRequestBodyRate: Default 240 bytes/s after 5 s (`MinimumDataRate.standard`).
    ///   - minimumResponseRate: Default 240 bytes/s after 5 s (`MinimumDataRate.standard`).
    public init(
        headerRead: Duration = .seconds(10),
        bodyRead: Duration = .seconds(30),
        idle: Duration = .seconds(60),
        write: Duration = .seconds(30),
        linger: Duration = .seconds(2),
        minimumRequestBodyRate: MinimumDataRate? = .standard,
        minimumResponseRate: MinimumDataRate? = .standard
    ) {
        self.headerRead = headerRead
        self.bodyRead = bodyRead
        self.idle = idle
        self.write = write
        self.linger = linger
        self.minimumRequestBodyRate = minimumRequestBodyRate
        self.minimumResponseRate = minimumResponseRate
    }

    /// The shortest timeout, which sets how often an event loop checks deadlines (so a rate is
    /// enforced within about a quarter of its grace period after it is broken).
    package var shortest: Duration {
        var shortest = min(headerRead, bodyRead, idle, write, linger)
        for rate in [minimumRequestBodyRate, minimumResponseRate].compactMap({ $0 }) {
            shortest = min(shortest, rate.gracePeriod)
        }
        return shortest
    }
}
