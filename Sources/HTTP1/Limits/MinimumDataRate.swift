/// The slowest a client may send a request body or read a response, as Kestrel's
/// `MinRequestBodyDataRate` and `MinResponseDataRate`.
///
/// A deadline between two reads or writes alone (nginx's `client_body_timeout`, `send_timeout`)
/// restarts on every byte, so a client that moves one byte every 29 s holds a connection, and an
/// open file, for ever. A rate bounds the whole transfer instead: once the grace period is over,
/// the bytes moved since the transfer started must average at least `bytesPerSecond`, where
/// running ahead of the rate earns at most the stall timeout's worth of slack.
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

    /// Whether a transfer is too slow: past its grace period, with fewer bytes moved than the
    /// rate asks for over `elapsed` plus `backdating`.
    /// - Parameters:
    ///   - bytes: Bytes moved so far.
    ///   - elapsed: Time since the transfer began.
    ///   - backdating: Seconds the rate's origin lies before the transfer's start (see
    ///     `backdating(_:bytes:elapsed:slack:)`); 0 for a transfer that never ran far ahead.
    func isViolated(bytes: Int, elapsed: Duration, backdating: Double = 0) -> Bool {
        guard elapsed > gracePeriod else { return false }
        return Double(bytes) < Double(bytesPerSecond) * (elapsed.secondsValue + backdating)
    }

    /// How far to move the rate's origin back after `bytes` were moved in `elapsed`, so that
    /// being ahead of the rate buys at most `slack` of stalling: early speed cannot pay for a
    /// trickle later (1 MB sent at once would otherwise cover a byte every 29 s for an hour).
    /// - Parameters:
    ///   - current: The backdating so far (it never shrinks).
    ///   - bytes: Bytes moved so far.
    ///   - elapsed: Time since the transfer began.
    ///   - slack: The most stalling that past speed may pay for: the stall timeout.
    /// - Returns: The new backdating in seconds.
    func backdating(_ current: Double, bytes: Int, elapsed: Duration, slack: Duration) -> Double {
        max(current, Double(bytes) / Double(bytesPerSecond) - elapsed.secondsValue - slack.secondsValue)
    }
}
