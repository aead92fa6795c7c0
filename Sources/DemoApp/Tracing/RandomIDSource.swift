import CHTTPShims
import Synchronization

/// Random trace and span ids, drawn from the kernel's CSPRNG 4 KB at a time.
///
/// Ids must be unique across every service that takes part in a trace, so they are random
/// (Trace Context §3.2.2.3 recommends it) rather than counters. `SystemRandomNumberGenerator`
/// makes one `getrandom` system call per 8 bytes, three per new trace; one call here fills the
/// pool for about 170 requests, and taking ids from it is a short, uncontended lock.
/// `getrandom` with GRND_NONBLOCK never blocks the event loop: it can only fail, and only before
/// the kernel's pool is first seeded at boot, in which case the standard generator is used.
final class RandomIDSource: Sendable {
    private struct Pool {
        var words = [UInt64](repeating: 0, count: 512)
        var next = 512
    }

    private let pool = Mutex(Pool())

    /// A new span id.
    func spanID() -> SpanID {
        pool.withLock { pool in Self.spanID(from: &pool) }
    }

    /// A new trace id and the id of its first span.
    func traceAndSpanID() -> (TraceID, SpanID) {
        pool.withLock { pool in
            while true {
                if let trace = TraceID(high: Self.word(from: &pool), low: Self.word(from: &pool)) {
                    return (trace, Self.spanID(from: &pool))
                }
            }
        }
    }

    private static func spanID(from pool: inout Pool) -> SpanID {
        while true {
            if let span = SpanID(word(from: &pool)) { return span }
        }
    }

    private static func word(from pool: inout Pool) -> UInt64 {
        if pool.next == pool.words.count {
            refill(&pool.words)
            pool.next = 0
        }
        defer { pool.next += 1 }
        return pool.words[pool.next]
    }

    private static func refill(_ words: inout [UInt64]) {
        let filled = words.withUnsafeMutableBytes { chttp_random_bytes($0.baseAddress, $0.count) }
        guard filled != words.count * MemoryLayout<UInt64>.size else { return }
        var generator = SystemRandomNumberGenerator()
        for index in words.indices { words[index] = generator.next() }
    }
}
