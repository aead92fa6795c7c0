import Synchronization

/// Live counters the server keeps, safe to read from any thread (for metrics endpoints).
public final class ServerStatistics: Sendable {
    private let open = Atomic<Int>(0)
    private let accepted = Atomic<Int>(0)

    /// Creates counters at zero.
    public init() {}

    /// Connections open now.
    public var openConnections: Int { open.load(ordering: .relaxed) }

    /// Connections accepted since start.
    public var acceptedConnections: Int { accepted.load(ordering: .relaxed) }

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
