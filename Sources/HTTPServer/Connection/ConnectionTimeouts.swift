/// The deadlines every connection runs under. Each is a setting of the server's `Configuration`.
public struct ConnectionTimeouts: Sendable, Equatable {
    /// The longest a client may take to send a complete request head, counted from the first byte
    /// (or from accept, for the first request). Defeats slowloris. On expiry: 408, then close.
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

    /// Creates timeouts.
    /// - Parameters:
    ///   - headerRead: Default 10 s.
    ///   - bodyRead: Default 30 s.
    ///   - idle: Default 60 s.
    ///   - write: Default 30 s.
    ///   - linger: Default 2 s.
    public init(
        headerRead: Duration = .seconds(10),
        bodyRead: Duration = .seconds(30),
        idle: Duration = .seconds(60),
        write: Duration = .seconds(30),
        linger: Duration = .seconds(2)
    ) {
        self.headerRead = headerRead
        self.bodyRead = bodyRead
        self.idle = idle
        self.write = write
        self.linger = linger
    }

    /// The shortest timeout, which sets how often an event loop checks deadlines.
    var shortest: Duration { min(headerRead, bodyRead, idle, write, linger) }
}
