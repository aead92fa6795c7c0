#if PostgreSQL
import Glibc
import Dispatch
import Logging
import Synchronization

/// A `VisitStore` on a PostgreSQL database shared by any number of replicas, on libpq.
///
/// Built only with the `PostgreSQL` package trait, so the default binary carries no PostgreSQL
/// client.
///
/// One connection per process (more can be asked for), owned by a serial queue of the store's
/// (a thread of its own, never an HTTP event loop), and visits group-committed as
/// `SQLiteVisitStore` does: whatever `recordVisit` calls queue up while a statement is at the
/// server go into the next one together. Each batch is a single statement, an upsert that adds
/// each variant's visits to its row and returns the counts, so it commits atomically on its own,
/// in one round trip and one WAL flush (PostgreSQL's default `synchronous_commit = on`), before any
/// of its completions run: counts stay exact however many processes write, and nothing
/// acknowledged is lost. After a batch the connection waits up to a millisecond for the visitors
/// it just answered to come back (`gather`), so a steady load makes one large batch per WAL flush
/// rather than two half-size ones taking turns.
///
/// Failures: at start-up the store retries connecting with backoff for a bounded time, then throws
/// one error naming the server and the last reason (see `init`). Afterwards every wait on the
/// server is bounded by `operationTimeout` (reconnecting and readiness by `healthTimeout`): while
/// the database is unreachable calls fail (so `/readyz` answers 503 and visits 503) instead of
/// queueing up, and the next call after it is back reconnects.
public final class PostgresVisitStore: VisitStore {
    /// The server and database, without the password.
    public let url: PostgresURL

    private let parameters: PostgresConnectionParameters
    private let logger: Logger
    private let operationTimeout: Duration
    /// One serial queue per connection.
    private let queues: [DispatchQueue]
    /// `sessions[i]` is touched only on `queues[i]` (and in `deinit`, when nothing else can reach it).
    private let sessions: [Session]
    private let state = Mutex(State())

    /// Schema migrations in order: entry `i` takes `visit_schema_version.version` from `i` to `i + 1`.
    /// Append only; never edit a shipped entry, since databases already past it will not rerun it.
    static let migrations: [String] = [
        // v1: the same shape as SQLite's, one counter per variant rather than a row per visit.
        """
        CREATE TABLE visit_counts (
            variant TEXT NOT NULL PRIMARY KEY,
            count BIGINT NOT NULL CHECK (count >= 0)
        )
        """
    ]

    /// The advisory lock key migrations hold, so that replicas starting together migrate one at a
    /// time; any constant works as long as every version of this program uses the same one.
    static let migrationLockKey: Int64 = 0x5649_5349_5453  // "VISITS"

    /// The longest a readiness check, or a reconnection before a call, waits for the database:
    /// shorter than a Kubernetes readiness probe's usual timeout (2 s here), so an unreachable
    /// database is answered with 503 rather than a probe timeout.
    static let healthTimeout = Duration.milliseconds(1500)

    /// The longest a connection waits after a batch for its visitors to come back (`gather`).
    static let gatherWindow = Duration.milliseconds(1)

    /// The least time between two attempts to reconnect to a database that is away.
    static let reconnectInterval = Duration.milliseconds(250)

    /// Adds each variant's visits to its row and returns every row after the update, in one
    /// statement. `$1` holds the variants, `$2` the visits per variant, as arrays. Rows are taken
    /// in variant order so that two replicas updating the same rows lock them in the same order
    /// (no deadlock). `RETURNING` gives the updated rows after this statement; the others come
    /// from the statement's snapshot.
    static let recordStatement = """
        WITH bumped AS (
            INSERT INTO visit_counts AS counts (variant, count)
            SELECT variant, visits FROM unnest($1::text[], $2::bigint[]) AS batch (variant, visits) ORDER BY variant
            ON CONFLICT (variant) DO UPDATE SET count = counts.count + EXCLUDED.count
            RETURNING variant, count
        )
        SELECT variant, count FROM bumped
        UNION ALL
        SELECT variant, count FROM visit_counts WHERE variant NOT IN (SELECT variant FROM bumped)
        """

    /// Connects, migrates and starts serving calls; blocks the calling thread until done.
    ///
    /// While the server is unreachable or refuses (still starting, say), it retries with backoff
    /// (0.25 s doubling to 4 s) until `connectTimeout` has passed, logging each failure, and then
    /// throws. A bounded retry rides out the usual start-up race with a database that comes up
    /// beside the service, yet still exits non-zero so that a wrong address or password shows up
    /// as a failing pod rather than a pod that waits forever.
    /// - Parameters:
    ///   - url: Where the database is; its password is used unless `password` is given.
    ///   - password: The password, e.g. read from `DATABASE_PASSWORD_FILE`; overrides the URL's.
    ///   - connectTimeout: How long to keep trying at start-up.
    ///   - operationTimeout: The longest one batch of visits, or a read, waits for the server.
    ///   - connections: How many connections this process keeps (1 or more); the first is made
    ///     here, the others on first use.
    ///   - logger: Where connection problems, migrations and close are logged.
    /// - Throws: `VisitStoreError` (path: the URL without password) when the database could not be
    ///   reached in time, the TLS settings are unusable, or the schema is newer than this build's.
    public init(
        url: PostgresURL, password: String? = nil, connectTimeout: Duration = .seconds(30),
        operationTimeout: Duration = .seconds(5), connections: Int = 1, logger: Logger
    ) throws {
        self.url = url
        self.logger = logger
        self.operationTimeout = operationTimeout
        self.parameters = PostgresConnectionParameters(url: url, password: password)
        let count = max(1, connections)
        let queues = (0..<count).map { DispatchQueue(label: "DemoApp.PostgresVisitStore.\($0)") }
        self.queues = queues
        let parameters = self.parameters
        let sessions = (0..<count).map { _ in Session(url: url, parameters: parameters, logger: logger) }
        // Connecting blocks (DNS, TCP, TLS, the migration's lock), so it also runs on a queue.
        let version = try queues[0].sync { try sessions[0].open(timeout: connectTimeout) }
        self.sessions = sessions
        state.withLock { $0.isBusy = Array(repeating: false, count: count) }
        logger.info("opened visit database", metadata: ["database": "\(url)", "schema_version": "\(version)"])
    }

    deinit {
        // Every queued block holds `self`, so none is pending or running and the queue-only
        // sessions can be closed from here.
        for session in sessions { session.close() }
    }

    /// Queues one visit; it is committed with whatever else is queued, then `completion` runs on
    /// the store's queue.
    /// - Parameters:
    ///   - variant: The image variant the visit was served by; validated by the caller.
    ///   - completion: Called once with the counts just after this visit, or with the
    ///     `VisitStoreError` that kept it from being committed.
    public func recordVisit(variant: String, completion: @escaping @Sendable (Result<VisitCounts, any Error>) -> Void) {
        guard enqueue(.visit(variant: variant, completion: completion)) else {
            return completion(.failure(VisitStoreError.closed(path: "\(url)")))
        }
    }

    /// Reads the counts; they include every visit acknowledged before this call.
    /// - Parameter completion: Called once, on the store's queue, with the counts or the
    ///   `VisitStoreError` that kept them from being read.
    public func counts(completion: @escaping @Sendable (Result<VisitCounts, any Error>) -> Void) {
        guard enqueue(.counts(completion)) else {
            return completion(.failure(VisitStoreError.closed(path: "\(url)")))
        }
    }

    /// Readiness: a query on the counts table answers within `healthTimeout`.
    /// - Parameter completion: Called once with the answer; `false` at once when closed.
    public func checkHealth(completion: @escaping @Sendable (Bool) -> Void) {
        guard enqueue(.health(completion)) else { return completion(false) }
    }

    /// Finishes queued work, closes the connections; idempotent; blocks the caller until closed.
    ///
    /// Calls made afterwards complete at once, on the caller's thread, with
    /// `VisitStoreError.closed`. Called from a completion (which runs on one of the store's
    /// queues), it cannot wait for the queue it is running on: it returns at once and the
    /// connections close as soon as the batches in progress are done.
    public func close() {
        let (wasOpen, isOnQueue) = state.withLock { state in
            let wasOpen = !state.isClosed
            state.isClosed = true
            return (wasOpen, state.isRunning(on: pthread_self()))
        }
        // Closing stops new jobs, and a drain runs until nothing is pending: a block queued now
        // runs after the last batch on its connection.
        for (queue, session) in zip(queues, sessions) {
            if isOnQueue {
                if wasOpen { queue.async { session.close() } }
            } else {
                queue.sync { session.close() }
            }
        }
    }

    /// Batches committed so far, for tests of group commit.
    var committedBatchCount: Int { state.withLock { $0.committedBatchCount } }

    // MARK: - Queue

    private enum Job {
        case visit(variant: String, completion: @Sendable (Result<VisitCounts, any Error>) -> Void)
        case counts(@Sendable (Result<VisitCounts, any Error>) -> Void)
        case health(@Sendable (Bool) -> Void)
    }

    private struct State {
        var pending: [Job] = []
        /// `isBusy[i]`: a drain runs (or is scheduled) on connection `i`; it takes pending jobs
        /// until there are none, so a job queued meanwhile rides on it.
        var isBusy: [Bool] = []
        var isClosed = false
        /// The threads running a drain, so that `close()` can tell it must not wait.
        var drainThreads: [pthread_t] = []
        var committedBatchCount = 0

        func isRunning(on thread: pthread_t) -> Bool {
            drainThreads.contains { pthread_equal($0, thread) != 0 }
        }

        mutating func takePending() -> [Job] {
            defer { pending = [] }
            return pending
        }
    }

    /// Queues a job and starts a drain on an idle connection, if there is one; otherwise a busy
    /// connection takes the job when its statement is done.
    /// - Returns: `false` when the store is closed and the job was not queued.
    private func enqueue(_ job: Job) -> Bool {
        let idle: Int?? = state.withLock { state in
            guard !state.isClosed else { return nil }
            state.pending.append(job)
            guard let index = state.isBusy.firstIndex(of: false) else { return .some(nil) }
            state.isBusy[index] = true
            return index
        }
        guard let idle else { return false }
        if let index = idle { queues[index].async { self.drain(index) } }
        return true
    }

    /// Takes every queued job at once, runs them on connection `index`, and again until nothing is
    /// pending: this is what makes a burst one statement.
    private func drain(_ index: Int) {
        let thread = pthread_self()
        state.withLock { $0.drainThreads.append(thread) }
        defer { state.withLock { $0.drainThreads.removeAll { pthread_equal($0, thread) != 0 } } }
        while true {
            let jobs = state.withLock { state in
                let jobs = state.takePending()
                if jobs.isEmpty { state.isBusy[index] = false }
                return jobs
            }
            guard !jobs.isEmpty else { return }
            let committed = run(jobs, on: sessions[index])
            if committed > 0 { gather(returning: committed) }
        }
    }

    /// Waits, at most `gatherWindow`, for the visitors whose visits were just committed to come
    /// back, so that they join the visits already waiting in one batch. Without it a steady load
    /// splits into two groups that take turns (one in flight while the other queues), each batch
    /// paying a WAL flush for half the visitors; PostgreSQL's own `commit_delay` trades the same
    /// way. A lone visitor coming back ends the wait at once, so light load adds no latency.
    private func gather(returning count: Int) {
        let target = state.withLock { $0.pending.count } + count
        let deadline = ContinuousClock.now + Self.gatherWindow
        var pause = timespec(tv_sec: 0, tv_nsec: 50_000)
        while state.withLock({ $0.pending.count }) < target, ContinuousClock.now < deadline {
            nanosleep(&pause, nil)
        }
    }

    /// Commits all visits in one statement, then answers everything else. Reads run after the
    /// commit, so a read sees at least every visit of its own batch.
    /// - Returns: How many visits were committed.
    @discardableResult
    private func run(_ jobs: [Job], on session: Session) -> Int {
        var visits: [(variant: String, completion: @Sendable (Result<VisitCounts, any Error>) -> Void)] = []
        var readsAndChecks = 0
        for job in jobs {
            if case let .visit(variant, completion) = job {
                visits.append((variant, completion))
            } else {
                readsAndChecks += 1
            }
        }
        var committed = 0
        if !visits.isEmpty {
            logger.trace("committing visits", metadata: ["count": "\(visits.count)"])
            switch session.record(visits.map(\.variant), timeout: operationTimeout) {
            case .success(let snapshots):
                state.withLock { $0.committedBatchCount += 1 }
                committed = visits.count
                for (visit, counts) in zip(visits, snapshots) { visit.completion(.success(counts)) }
            case .failure(let error):
                for visit in visits { visit.completion(.failure(error)) }
            }
        }
        guard readsAndChecks > 0 else { return committed }
        // Answered together: one read serves every `counts` and health check of the batch, and
        // while the database is away they all fail after one bounded attempt, not one each.
        let hasCounts = jobs.contains { if case .counts = $0 { true } else { false } }
        let counts = session.readCounts(timeout: hasCounts ? operationTimeout : Self.healthTimeout)
        if case .failure(let error) = counts {
            // Readiness only reports false; this is the one place the reason is kept.
            logger.warning("visit database health check failed", metadata: ["database": "\(url)", "error": "\(error.message)"])
        }
        // Healthy: the read worked and, after a batch failed to commit, a write works again.
        let hasHealth = jobs.contains { if case .health = $0 { true } else { false } }
        let isHealthy = hasHealth && (try? counts.get()) != nil
            && (!session.lastWriteFailed || session.acceptsWrite(timeout: Self.healthTimeout))
        for job in jobs {
            switch job {
            case .visit: continue
            case .counts(let completion): completion(counts.mapError { $0 })
            case .health(let completion): completion(isHealthy)
            }
        }
        return committed
    }
}

// MARK: - Session

extension PostgresVisitStore {
    /// The connection (made again when lost) and what the store does on it, confined to the
    /// store's queue: that confinement is the whole of its thread safety, hence `@unchecked`.
    private final class Session: @unchecked Sendable {
        let url: PostgresURL
        let parameters: PostgresConnectionParameters
        let logger: Logger
        private var connection: PostgresConnection?
        private var isClosed = false
        /// When the last attempt to reconnect failed; the next waits until `reconnectInterval` after it.
        private var lastFailedConnect: ContinuousClock.Instant?
        /// The last batch of visits failed to commit. Readiness then asks for a write, not only a
        /// read: a database that answers queries but refuses writes (a full disk, a read-only
        /// standby after a failover) must not look ready while every visit fails.
        private(set) var lastWriteFailed = false

        init(url: PostgresURL, parameters: PostgresConnectionParameters, logger: Logger) {
            self.url = url
            self.parameters = parameters
            self.logger = logger
        }

        /// Connects and migrates, retrying with backoff until `timeout` has passed.
        /// - Returns: The schema version.
        func open(timeout: Duration) throws(VisitStoreError) -> Int {
            let clock = ContinuousClock()
            let deadline = clock.now + timeout
            var delay = Duration.milliseconds(250)
            var attempt = 1
            while true {
                do {
                    // Each attempt may use what is left of the start-up time, at least a second.
                    let connection = try PostgresConnection(parameters: parameters, deadline: max(deadline, clock.now + .seconds(1)))
                    let version = try migrate(connection, deadline: max(deadline, clock.now + .seconds(10)))
                    self.connection = connection
                    return version
                } catch let error as VisitStoreError {
                    // A schema newer than this build will not get older by waiting.
                    throw error
                } catch {
                    let reason = "\(error)"
                    guard clock.now + delay < deadline else {
                        throw VisitStoreError(
                            kind: .open, path: "\(url)", message: "\(reason) (gave up after \(attempt) attempts in \(timeout))")
                    }
                    logger.warning(
                        "visit database not reachable yet; retrying",
                        metadata: ["database": "\(url)", "attempt": "\(attempt)", "retry_in": "\(delay)", "error": "\(reason)"])
                    sleep(for: delay)
                    delay = min(delay * 2, .seconds(4))
                    attempt += 1
                }
            }
        }

        /// Brings the schema to `migrations.count` inside one transaction that holds an advisory
        /// lock: replicas starting together take turns, and the second finds nothing to do.
        /// - Returns: The schema version now in the database.
        private func migrate(_ connection: PostgresConnection, deadline: ContinuousClock.Instant) throws -> Int {
            let target = PostgresVisitStore.migrations.count
            try connection.execute("BEGIN", deadline: deadline)
            do {
                try connection.execute("SELECT pg_advisory_xact_lock(\(PostgresVisitStore.migrationLockKey))", deadline: deadline)
                try connection.execute("CREATE TABLE IF NOT EXISTS visit_schema_version (version INTEGER NOT NULL)", deadline: deadline)
                let rows = try connection.execute("SELECT version FROM visit_schema_version", deadline: deadline)
                let current: Int? = if let text = rows.first?.first ?? nil { Int(text) } else { nil }
                if current == nil {
                    try connection.execute("INSERT INTO visit_schema_version (version) VALUES (0)", deadline: deadline)
                }
                let from = current ?? 0
                guard from <= target else {
                    // Downgrading would need knowledge this build lacks; refusing keeps the data.
                    throw VisitStoreError(
                        kind: .migrate, path: "\(url)", message: "schema version \(from) is newer than this build supports (\(target))")
                }
                for version in from..<target {
                    logger.info("migrating visit database", metadata: ["database": "\(url)", "to_version": "\(version + 1)"])
                    try connection.execute(PostgresVisitStore.migrations[version], deadline: deadline)
                }
                if from < target {
                    try connection.execute("UPDATE visit_schema_version SET version = \(target)", deadline: deadline)
                }
                try connection.execute("COMMIT", deadline: deadline)
                return target
            } catch {
                if connection.isUsable { _ = try? connection.execute("ROLLBACK", deadline: deadline) }
                throw error
            }
        }

        /// Counts the visits in one statement and returns the counts just after each one.
        func record(_ variants: [String], timeout: Duration) -> Result<[VisitCounts], VisitStoreError> {
            var batch: [String: Int] = [:]
            for variant in variants { batch[variant, default: 0] += 1 }
            let names = batch.keys.sorted()
            let rows = perform(.write, timeout: timeout) { connection, deadline throws(PostgresConnection.Failure) in
                try connection.execute(
                    PostgresVisitStore.recordStatement,
                    [Self.arrayLiteral(names.map(Self.quotedArrayElement)), Self.arrayLiteral(names.map { "\(batch[$0]!)" })],
                    deadline: deadline)
            }
            lastWriteFailed = (try? rows.get()) == nil
            return rows.flatMap { rows in
                guard var counts = counts(from: rows) else {
                    return .failure(VisitStoreError(kind: .write, path: "\(url)", message: "unexpected answer to the visit statement"))
                }
                // The counts before this batch: its rows were locked by the statement, so nothing
                // else changed them between; then one visit at a time, in arrival order.
                for (variant, added) in batch {
                    let before = (counts.byVariant[variant] ?? 0) - added
                    counts.byVariant[variant] = before > 0 ? before : nil
                    counts.total -= added
                }
                var snapshots: [VisitCounts] = []
                snapshots.reserveCapacity(variants.count)
                for variant in variants {
                    counts.total += 1
                    counts.byVariant[variant, default: 0] += 1
                    snapshots.append(counts)
                }
                return .success(snapshots)
            }
        }

        /// Whether the database takes a write now: every variant's row is written again with its own
        /// count (a new row version through the same table, WAL and locks as a visit, and nothing a
        /// reader can see changes). On an empty table nothing is written, and nothing could have failed.
        func acceptsWrite(timeout: Duration) -> Bool {
            let result = perform(.write, timeout: timeout) { connection, deadline throws(PostgresConnection.Failure) in
                try connection.execute("UPDATE visit_counts SET count = count", deadline: deadline)
            }
            if case .failure(let error) = result {
                logger.warning("visit database refuses writes", metadata: ["database": "\(url)", "error": "\(error.message)"])
                return false
            }
            lastWriteFailed = false
            return true
        }

        /// Reads every variant's count.
        func readCounts(timeout: Duration) -> Result<VisitCounts, VisitStoreError> {
            perform(.read, timeout: timeout) { connection, deadline throws(PostgresConnection.Failure) in
                try connection.execute("SELECT variant, count FROM visit_counts", deadline: deadline)
            }.flatMap { rows in
                counts(from: rows).map { .success($0) }
                    ?? .failure(VisitStoreError(kind: .read, path: "\(url)", message: "unexpected answer to the counts query"))
            }
        }

        func close() {
            guard !isClosed else { return }
            isClosed = true
            // PQfinish says goodbye (Terminate) and closes the socket.
            connection = nil
            logger.info("closed visit database", metadata: ["database": "\(url)"])
        }

        /// Runs `body` on the connection, reconnecting first when there is none. A failure that
        /// leaves the connection unusable drops it; the next call makes a new one.
        private func perform(
            _ kind: VisitStoreError.Kind, timeout: Duration,
            _ body: (PostgresConnection, ContinuousClock.Instant) throws(PostgresConnection.Failure) -> [[String?]]
        ) -> Result<[[String?]], VisitStoreError> {
            guard !isClosed else { return .failure(.closed(path: "\(url)")) }
            let now = ContinuousClock.now
            do throws(PostgresConnection.Failure) {
                let connection: PostgresConnection
                if let existing = self.connection {
                    connection = existing
                } else {
                    connection = try reconnect(deadline: now + min(timeout, PostgresVisitStore.healthTimeout))
                }
                do {
                    return .success(try body(connection, now + timeout))
                } catch {
                    // A statement that timed out may still be running, or may have committed: the
                    // connection's state is unknown, so it is not reused. A visit reported failed
                    // may therefore have been counted, never the reverse.
                    if !connection.isUsable || error.sqlState == nil { drop(because: error) }
                    throw error
                }
            } catch {
                return .failure(VisitStoreError(kind: kind, path: "\(url)", message: error.description))
            }
        }

        /// Connects again, no sooner than `reconnectInterval` after the last failed attempt: while
        /// the database is away, each call still gets a real answer, but a replica knocks at most a
        /// few times a second however many requests arrive, and a recovering server is not stormed.
        private func reconnect(deadline: ContinuousClock.Instant) throws(PostgresConnection.Failure) -> PostgresConnection {
            if let lastFailedConnect {
                let pause = min(lastFailedConnect + PostgresVisitStore.reconnectInterval, deadline)
                sleep(for: ContinuousClock.now.duration(to: pause))
            }
            do {
                let connection = try PostgresConnection(parameters: parameters, deadline: deadline)
                logger.info("connected to visit database", metadata: ["database": "\(url)"])
                self.connection = connection
                lastFailedConnect = nil
                return connection
            } catch {
                lastFailedConnect = .now
                throw error
            }
        }

        private func drop(because error: PostgresConnection.Failure) {
            guard connection != nil else { return }
            connection = nil
            logger.warning("lost the visit database connection", metadata: ["database": "\(url)", "error": "\(error)"])
        }

        /// Rows of `(variant, count)` as counts; `nil` when a row is not of that shape.
        private func counts(from rows: [[String?]]) -> VisitCounts? {
            var counts = VisitCounts.zero
            for row in rows {
                guard row.count == 2, let variant = row[0], let text = row[1], let count = Int(text) else { return nil }
                counts.byVariant[variant] = count
                counts.total += count
            }
            return counts
        }

        /// PostgreSQL's text form of a one-dimensional array (`{a,b}`), elements already quoted.
        private static func arrayLiteral(_ elements: [String]) -> String {
            "{" + elements.joined(separator: ",") + "}"
        }

        /// One array element in double quotes, with `"` and `\` escaped, so that any variant
        /// (commas, braces, spaces, the word NULL) is read back as itself.
        private static func quotedArrayElement(_ text: String) -> String {
            var quoted = "\""
            for character in text {
                if character == "\"" || character == "\\" { quoted.append("\\") }
                quoted.append(character)
            }
            return quoted + "\""
        }

        /// Waits out a retry delay on the store's queue, where only the store's own calls wait.
        private func sleep(for delay: Duration) {
            guard delay > .zero else { return }
            let (seconds, attoseconds) = delay.components
            var time = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
            var remaining = timespec()
            while nanosleep(&time, &remaining) != 0, errno == EINTR { time = remaining }
        }
    }
}
#endif
