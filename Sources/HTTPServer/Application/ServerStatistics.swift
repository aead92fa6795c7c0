import Synchronization

/// Live counters the server keeps, safe to read from any thread (for metrics endpoints).
public final class ServerStatistics: Sendable {
    /// Why the server cut a slow client off.
    public enum SlowClientReason: String, CaseIterable, Sendable {
        /// The request head did not arrive within the header timeout (408).
        case requestHeadTimeout = "request_head_timeout"
        /// The request body stopped for longer than the body timeout (408).
        case requestBodyStalled = "request_body_stalled"
        /// The request body arrived below the minimum data rate (408).
        case requestBodyTooSlow = "request_body_too_slow"
        /// The client stopped reading the response for longer than the write timeout.
        case responseStalled = "response_stalled"
        /// The client read the response below the minimum data rate.
        case responseTooSlow = "response_too_slow"
    }

    private let open = Atomic<Int>(0)
    private let accepted = Atomic<Int>(0)
    private let slowClients = Mutex<[Int]>([Int](repeating: 0, count: SlowClientReason.allCases.count))

    /// Creates counters at zero.
    public init() {}

    /// Connections open now.
    public var openConnections: Int { open.load(ordering: .relaxed) }

    /// Connections accepted since start.
    public var acceptedConnections: Int { accepted.load(ordering: .relaxed) }

    /// Connections cut off since start because the client was too slow, for `reason`.
    public func slowClientsCut(_ reason: SlowClientReason) -> Int {
        let index = SlowClientReason.allCases.firstIndex(of: reason)!
        return slowClients.withLock { $0[index] }
    }

    /// Counts a connection cut off for `reason`.
    func slowClientCut(_ reason: SlowClientReason) {
        let index = SlowClientReason.allCases.firstIndex(of: reason)!
        slowClients.withLock { $0[index] += 1 }
    }

    /// Reserves a slot for a connection about to be accepted.
    /// - Parameter limit: The most connections allowed at once.
    /// - Returns: False when the server is at its limit.
    func reserveConnection(limit: Int) -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = open.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Gives back a slot reserved with `reserveConnection` (accept found nothing, or it closed).
    func releaseConnection() {
        open.subtract(1, ordering: .relaxed)
    }

    /// Counts an accepted connection.
    func connectionAccepted() {
        accepted.add(1, ordering: .relaxed)
    }
}
