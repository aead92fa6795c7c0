/// The slowest a client may send a request body or read a response, as Kestrel's
/// `MinRequestBodyDataRate` and `MinResponseDataRate`.
///
/// A deadline between two reads or writes alone (nginx's `client_body_timeout`, `send_timeout`)
/// restarts on every byte, so a client that moves one byte every 29 s holds a connection, and an
/// open file, for ever. A rate bounds the whole transfer instead: once the grace period is over,
/// the bytes moved since the transfer started must average at least `bytesPerSecond`.
public struct MinimumDataRate: Sendable, Equatable {
    /// The lowest average rate, in bytes per second.
    public var bytesPerSecond: Int
    /// How long a transfer may run before the rate is enforced: room for TCP slow start, a
    /// client's own start-up and a short radio stall.
    public var gracePeriod: Duration

    /// Creates a rate.
    /// - Parameters:
    ///   - bytesPerSecond: The lowest average rate; must be above 0.
    ///   - gracePeriod: How long before it is enforced.
    public init(bytesPerSecond: Int, gracePeriod: Duration) {
        precondition(bytesPerSecond > 0, "a minimum data rate must be above 0 bytes per second")
        self.bytesPerSecond = bytesPerSecond
        self.gracePeriod = gracePeriod
    }

    /// Kestrel's default for both directions: 240 bytes per second after 5 seconds.
    public static let standard = MinimumDataRate(bytesPerSecond: 240, gracePeriod: .seconds(5))

    /// Whether a transfer that moved `bytes` since `started` is too slow at `now`.
    func isViolated(bytes: Int, since started: MonotonicInstant, at now: MonotonicInstant) -> Bool {
        let elapsed = now - started
        guard elapsed > gracePeriod else { return false }
        return Double(bytes) < Double(bytesPerSecond) * elapsed.secondsValue
    }
}
