import Glibc

/// Fits the process's open-file limit (`RLIMIT_NOFILE`) to `MAX_CONNECTIONS` at start-up.
///
/// Every connection is a descriptor, and one streaming a large static file holds a second. Many
/// systems start processes with a soft limit of 1024 under a much higher hard limit, so the cap
/// of 4096 connections could never be reached: descriptors would run out first (accepts pause,
/// files answer 503). The soft limit is raised toward what the cap needs, as far as the hard
/// limit allows; what still does not fit is reported in one warning line, as nginx does for
/// `worker_connections` ("exceed open file resource limit"). The cap is not lowered behind the
/// operator's back: past the limit the server degrades gracefully, and the warning says what to
/// change.
enum FileDescriptorLimit {
    /// Descriptors used besides connections: standard streams, the database and its WAL and
    /// shared-memory files, the public directory, and per event loop a listener, an epoll
    /// instance and an eventfd, with room to spare.
    static func reserve(eventLoops: Int) -> Int { 32 + 3 * eventLoops }

    /// A connection's socket and a file it may be streaming.
    static let perConnection = 2

    /// What start-up found and did.
    struct Outcome: Equatable {
        /// The soft limit before.
        var previous: Int
        /// The soft limit now.
        var current: Int
        /// The hard limit (the most an unprivileged process may raise the soft one to).
        var hard: Int
        /// What the configured connection cap needs.
        var needed: Int

        var wasRaised: Bool { current > previous }
        var fits: Bool { current >= needed }
    }

    /// Raises the soft limit toward what `maxConnections` needs.
    /// - Parameters:
    ///   - maxConnections: The connection cap.
    ///   - eventLoops: The number of event loops.
    /// - Returns: What was found and done, or nil when the limit cannot be read.
    static func fit(maxConnections: Int, eventLoops: Int) -> Outcome? {
        let needed = maxConnections * perConnection + reserve(eventLoops: eventLoops)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let previous = clamp(limit.rlim_cur)
        let hard = clamp(limit.rlim_max)
        var outcome = Outcome(previous: previous, current: previous, hard: hard, needed: needed)
        guard previous < needed else { return outcome }
        limit.rlim_cur = rlim_t(min(needed, hard))
        if setrlimit(resource, &limit) == 0 { outcome.current = min(needed, hard) }
        return outcome
    }

    /// The warning for a limit the cap does not fit in, naming both settings to change.
    static func warning(for outcome: Outcome, maxConnections: Int) -> String {
        "MAX_CONNECTIONS=\(maxConnections) needs about \(outcome.needed) file descriptors (\(perConnection) per connection "
            + "and a reserve), but the open-file limit is \(outcome.current) (hard limit \(outcome.hard)); past it, accepts "
            + "pause and static files answer 503. Raise the limit (ulimit -n, docker run --ulimit nofile=N:N, or "
            + "LimitNOFILE= under systemd) or lower MAX_CONNECTIONS to \(max(1, (outcome.current - (outcome.needed - maxConnections * perConnection)) / perConnection))."
    }

    private static var resource: RLimitResource {
        #if canImport(Glibc)
        __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        RLIMIT_NOFILE
        #endif
    }

    #if canImport(Glibc)
    private typealias RLimitResource = __rlimit_resource_t
    #else
    private typealias RLimitResource = Int32
    #endif

    /// `RLIM_INFINITY` and other huge values as an Int that arithmetic cannot overflow.
    private static func clamp(_ value: rlim_t) -> Int {
        value > rlim_t(Int32.max) ? Int(Int32.max) : Int(value)
    }
}
