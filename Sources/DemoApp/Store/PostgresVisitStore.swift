#if PostgreSQL
import Dispatch
import Logging
import PostgresNIO
import Synchronization

/// A `VisitStore` on a PostgreSQL database shared by any number of replicas.
///
/// Built only with the `PostgreSQL` package trait, so the default binary carries no SwiftNIO.
///
/// Each visit is one statement, an upsert that adds one to its variant's row and returns the
/// counts, committed (with PostgreSQL's default `synchronous_commit = on`, so flushed to the WAL)
/// before the completion runs: counts stay exact however many processes write, and nothing
/// acknowledged is lost. Statements run on postgres-nio's pooled connections; a completion runs on
/// a Swift task, never on an HTTP event loop, and hands its result back like SQLite's do.
///
/// Failures: at start-up the store retries connecting with backoff for a bounded time, then throws
/// one error naming the server and the last reason (see `init`). Afterwards every call is bounded
/// by `operationTimeout`: while the database is unreachable calls fail (so `/readyz` answers 503 and
/// visits 503) instead of queueing up, and the pool reconnects by itself when it is back.
public final class PostgresVisitStore: VisitStore {
    /// The server and database, without the password.
    public let url: PostgresURL

    private let client: PostgresClient
    /// Where every task of this store runs (see `StoreTaskExecutor`).
    private let executor: StoreTaskExecutor
    private let logger: Logger
    private let operationTimeout: Duration
    private let state = Mutex(State())
    /// Runs the pool; cancelled by `close()`.
    private let poolTask: Task<Void, Never>
    /// Signalled when `poolTask` ends, so `close()` can wait for it from a plain thread.
    private let poolStopped = DispatchSemaphore(value: 0)

    private struct State {
        var isClosed = false
        var inFlight = 0
        /// Signalled by the last in-flight call to finish once closing has begun.
        var drained: DispatchSemaphore?
        /// `close()` came from a completion, which cannot wait: the last call to finish stops the pool.
        var stopsPoolWhenDrained = false
    }

    /// Set while a completion runs, so that `close()` called from one does not wait for itself.
    @TaskLocal private static var isRunningCompletion = false

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

    /// Connects, migrates and starts the connection pool; blocks the calling thread until done.
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
    ///   - operationTimeout: The longest one visit, read or health check may take, queueing for a
    ///     connection included.
    ///   - maximumConnections: The pool's size, per process.
    ///   - logger: Where connection problems, migrations and close are logged.
    /// - Throws: `VisitStoreError` (path: the URL without password) when the database could not be
    ///   reached in time, the TLS settings are unusable, or the schema is newer than this build's.
    public init(
        url: PostgresURL, password: String? = nil, connectTimeout: Duration = .seconds(30),
        operationTimeout: Duration = .seconds(5), maximumConnections: Int = 10, logger: Logger
    ) throws {
        self.url = url
        self.logger = logger
        self.operationTimeout = operationTimeout
        let tls = try Self.tlsConfiguration(for: url)
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: password ?? url.password,
            database: url.database, tls: tls.client)
        configuration.options.connectTimeout = min(operationTimeout, .seconds(10))
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 1
        configuration.options.additionalStartupParameters = [("application_name", "demo-server")]
        if url.sslMode == .verifyFull { configuration.options.tlsServerName = url.host }
        let startup = Self.startup(configuration: configuration, sslContext: tls.connection, url: url, logger: logger)

        let executor = StoreTaskExecutor(label: "DemoApp.PostgresVisitStore")
        self.executor = executor
        let finished = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<Int, VisitStoreError>?>(nil)
        Task(executorPreference: executor) {
            let result = await Self.connectAndMigrate(startup, timeout: connectTimeout)
            outcome.withLock { $0 = result }
            finished.signal()
        }
        finished.wait()
        let version = try outcome.withLock { $0! }.get()
        logger.info(
            "opened visit database",
            metadata: ["database": "\(url)", "schema_version": "\(version)", "pool_size": "\(maximumConnections)"])

        // The pool logs every failed connection attempt at info, several a second while the
        // database is down; readiness already reports that at warning. Kept at debug and trace.
        var poolLogger = logger
        if poolLogger.logLevel >= .info { poolLogger.logLevel = .warning }
        let client = PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
        self.client = client
        let stopped = poolStopped
        poolTask = Task(executorPreference: executor) {
            await client.run()
            stopped.signal()
        }
    }

    deinit {
        poolTask.cancel()
    }

    /// Counts one visit with one upsert; `completion` runs once it is committed, on a Swift task.
    /// - Parameters:
    ///   - variant: The image variant the visit was served by; validated by the caller.
    ///   - completion: Called once with the counts just after this visit, or with the
    ///     `VisitStoreError` that kept it from being committed.
    public func recordVisit(variant: String, completion: @escaping @Sendable (Result<VisitCounts, any Error>) -> Void) {
        perform(.write, completion: completion) { client, logger in
            // One statement, so it commits atomically on its own. The CTE's RETURNING gives this
            // visit's row after the update; the other rows come from the statement's snapshot.
            let rows = try await client.query(
                """
                WITH bumped AS (
                    INSERT INTO visit_counts (variant, count) VALUES (\(variant), 1)
                    ON CONFLICT (variant) DO UPDATE SET count = visit_counts.count + 1
                    RETURNING variant, count
                )
                SELECT variant, count FROM bumped
                UNION ALL
                SELECT variant, count FROM visit_counts WHERE variant <> (SELECT variant FROM bumped)
                """,
                logger: logger)
            return try await Self.counts(from: rows)
        }
    }

    /// Reads the counts.
    /// - Parameter completion: Called once, on a Swift task, with the counts or the
    ///   `VisitStoreError` that kept them from being read.
    public func counts(completion: @escaping @Sendable (Result<VisitCounts, any Error>) -> Void) {
        perform(.read, completion: completion) { client, logger in
            try await Self.counts(from: client.query("SELECT variant, count FROM visit_counts", logger: logger))
        }
    }

    /// Readiness: a query on the counts table answers within the operation timeout.
    /// - Parameter completion: Called once with the answer; `false` at once when closed.
    public func checkHealth(completion: @escaping @Sendable (Bool) -> Void) {
        // Shorter than a Kubernetes readiness probe's usual timeout (2 s here), so an unreachable
        // database is answered with 503 rather than a probe timeout.
        perform(.read, timeout: min(operationTimeout, Self.healthTimeout), completion: { [logger, url] result in
            if case .failure(let error) = result {
                // Readiness only reports false; this is the one place the reason is kept.
                logger.warning("visit database health check failed", metadata: ["database": "\(url)", "error": "\(error)"])
            }
            completion((try? result.get()) != nil)
        }) { client, logger in
            _ = try await client.query("SELECT 1 FROM visit_counts LIMIT 1", logger: logger).collect()
            return VisitCounts.zero
        }
    }

    /// Lets calls in flight finish (each is bounded by the operation timeout), then closes the
    /// pool's connections; idempotent; blocks the caller until closed.
    ///
    /// Calls made afterwards complete at once with `VisitStoreError.closed`. Called from a
    /// completion, it cannot wait for the call it is part of: it returns at once, and the pool
    /// closes when the last call in flight has finished.
    public func close() {
        let isFromCompletion = Self.isRunningCompletion
        let drained = DispatchSemaphore(value: 0)
        let (wasOpen, mustWait) = state.withLock { state in
            let wasOpen = !state.isClosed
            state.isClosed = true
            guard wasOpen, state.inFlight > 0 else { return (wasOpen, false) }
            if isFromCompletion {
                state.stopsPoolWhenDrained = true
            } else {
                state.drained = drained
            }
            return (wasOpen, true)
        }
        guard wasOpen else { return }
        if mustWait {
            if isFromCompletion { return }
            drained.wait()
        }
        poolTask.cancel()
        if isFromCompletion { return }
        // Every call has been answered, so nothing acknowledged depends on what follows: the wait
        // for the pool to say goodbye to the server is bounded. Parts of postgres-nio's shutdown
        // run on Swift's global executor, which a caller blocking on it (an `async` test, say)
        // may be starving; then the connections close when the process exits.
        if poolStopped.wait(timeout: .now() + .seconds(2)) == .timedOut {
            logger.debug("visit database connections still closing", metadata: ["database": "\(url)"])
        }
        logger.info("closed visit database", metadata: ["database": "\(url)"])
    }

    // MARK: - Calls

    /// The longest a readiness check waits for the database.
    static let healthTimeout = Duration.milliseconds(1500)

    private func perform(
        _ kind: VisitStoreError.Kind, timeout: Duration? = nil,
        completion: @escaping @Sendable (Result<VisitCounts, any Error>) -> Void,
        _ body: @escaping @Sendable (PostgresClient, Logger) async throws -> VisitCounts
    ) {
        let isOpen = state.withLock { state in
            guard !state.isClosed else { return false }
            state.inFlight += 1
            return true
        }
        guard isOpen else { return completion(.failure(VisitStoreError.closed(path: "\(url)"))) }
        let limit = timeout ?? operationTimeout
        Task(executorPreference: executor) { [client, logger, url] in
            let result: Result<VisitCounts, any Error>
            do {
                result = .success(try await Self.withDeadline(limit) { try await body(client, logger) })
            } catch {
                result = .failure(VisitStoreError(kind: kind, path: "\(url)", message: Self.reason(error)))
            }
            Self.$isRunningCompletion.withValue(true) { completion(result) }
            self.finishCall()
        }
    }

    private func finishCall() {
        let (drained, stopsPool) = state.withLock { state -> (DispatchSemaphore?, Bool) in
            state.inFlight -= 1
            guard state.inFlight == 0 else { return (nil, false) }
            return (state.drained, state.stopsPoolWhenDrained)
        }
        drained?.signal()
        if stopsPool { poolTask.cancel() }
    }

    private static func counts(from rows: PostgresRowSequence) async throws -> VisitCounts {
        var counts = VisitCounts.zero
        for try await (variant, count) in rows.decode((String, Int).self) {
            counts.byVariant[variant] = count
            counts.total += count
        }
        return counts
    }

    // MARK: - Start-up

    /// What start-up needs, bundled so it can cross into the start-up task.
    private struct Startup: Sendable {
        let configuration: PostgresConnection.Configuration
        let url: PostgresURL
        let logger: Logger
    }

    private static func startup(
        configuration: PostgresClient.Configuration, sslContext: NIOSSLContext?, url: PostgresURL, logger: Logger
    ) -> Startup {
        let tls: PostgresConnection.Configuration.TLS =
            switch (url.sslMode, sslContext) {
            case (.disable, _), (_, nil): .disable
            case (.prefer, let context?): .prefer(context)
            case (_, let context?): .require(context)
            }
        var connection = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: configuration.username, password: configuration.password,
            database: url.database, tls: tls)
        connection.options.connectTimeout = .seconds(Int64(configuration.options.connectTimeout.components.seconds))
        connection.options.tlsServerName = configuration.options.tlsServerName
        return Startup(configuration: connection, url: url, logger: logger)
    }

    /// Tries `migrate` until it succeeds or `timeout` has passed.
    /// - Returns: The schema version, or the last failure.
    private static func connectAndMigrate(_ startup: Startup, timeout: Duration) async -> Result<Int, VisitStoreError> {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var delay = Duration.milliseconds(250)
        var attempt = 1
        while true {
            do {
                return .success(try await migrate(startup))
            } catch let error as VisitStoreError {
                // A schema newer than this build will not get older by waiting.
                return .failure(error)
            } catch let error as PostgresTransactionError where error.closureError is VisitStoreError {
                return .failure(error.closureError as! VisitStoreError)
            } catch {
                let reason = reason(error)
                guard clock.now + delay < deadline else {
                    return .failure(
                        VisitStoreError(
                            kind: .open, path: "\(startup.url)",
                            message: "\(reason) (gave up after \(attempt) attempts in \(timeout))"))
                }
                startup.logger.warning(
                    "visit database not reachable yet; retrying",
                    metadata: ["database": "\(startup.url)", "attempt": "\(attempt)", "retry_in": "\(delay)", "error": "\(reason)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(4))
                attempt += 1
            }
        }
    }

    /// Brings the schema to `migrations.count` on one connection, inside one transaction that holds
    /// an advisory lock: replicas starting together take turns, and the second finds nothing to do.
    /// - Returns: The schema version now in the database.
    private static func migrate(_ startup: Startup) async throws -> Int {
        let logger = startup.logger
        let connection = try await PostgresConnection.connect(configuration: startup.configuration, id: 1, logger: logger)
        do {
            let version = try await migrate(on: connection, startup)
            try? await connection.close()
            return version
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private static func migrate(on connection: PostgresConnection, _ startup: Startup) async throws -> Int {
        let logger = startup.logger
        let target = migrations.count
        return try await connection.withTransaction(logger: logger) { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLockKey))", logger: logger).collect()
            _ = try await connection.query(
                "CREATE TABLE IF NOT EXISTS visit_schema_version (version INTEGER NOT NULL)", logger: logger
            ).collect()
            var current: Int?
            for try await (version) in try await connection.query("SELECT version FROM visit_schema_version", logger: logger)
                .decode(Int.self)
            {
                current = version
            }
            if current == nil {
                _ = try await connection.query("INSERT INTO visit_schema_version (version) VALUES (0)", logger: logger).collect()
            }
            let from = current ?? 0
            guard from <= target else {
                // Downgrading would need knowledge this build lacks; refusing keeps the data.
                throw VisitStoreError(
                    kind: .migrate, path: "\(startup.url)",
                    message: "schema version \(from) is newer than this build supports (\(target))")
            }
            for version in from..<target {
                logger.info("migrating visit database", metadata: ["database": "\(startup.url)", "to_version": "\(version + 1)"])
                _ = try await connection.query(PostgresQuery(unsafeSQL: migrations[version]), logger: logger).collect()
            }
            if from < target {
                _ = try await connection.query("UPDATE visit_schema_version SET version = \(target)", logger: logger).collect()
            }
            return target
        }
    }

    // MARK: - TLS

    /// The client's and the start-up connection's TLS settings for the URL's `sslmode`.
    private static func tlsConfiguration(
        for url: PostgresURL
    ) throws(VisitStoreError) -> (client: PostgresClient.Configuration.TLS, connection: NIOSSLContext?) {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch url.sslMode {
        case .disable: return (.disable, nil)
        case .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let path = url.sslRootCertificatePath { tls.trustRoots = .file(path) }
        do {
            let context = try NIOSSLContext(configuration: tls)
            return (url.sslMode == .prefer ? .prefer(tls) : .require(tls), context)
        } catch {
            throw VisitStoreError(kind: .open, path: "\(url)", message: "unusable TLS settings: \(error)")
        }
    }

    // MARK: - Errors and deadlines

    /// What went wrong, from postgres-nio's error parts; `PSQLError`'s own description hides them
    /// on purpose, and none of them holds the password.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as VisitStoreError:
            return error.message
        case let error as PSQLError:
            var parts = ["\(error.code)"]
            if let message = error.serverInfo?[.message] { parts.append(message) }
            if let state = error.serverInfo?[.sqlState] { parts.append("SQLSTATE \(state)") }
            if let underlying = error.underlying { parts.append(reason(underlying)) }
            return parts.joined(separator: ": ")
        case let error as PostgresTransactionError:
            let inner = [error.beginError, error.closureError, error.commitError, error.rollbackError].compactMap { $0 }
            return inner.map { reason($0) }.joined(separator: "; ")
        case is DeadlineExceeded:
            return "no answer within the time limit (database unreachable or overloaded)"
        default:
            return "\(error)"
        }
    }

    private struct DeadlineExceeded: Error {}

    /// Runs `body`, cancelling it when `limit` passes first. Cancelling a call that waits for a
    /// connection takes it out of the pool's queue; one whose statement already reached the server
    /// may still commit, so a visit reported failed may have been counted (never the reverse).
    private static func withDeadline<Value: Sendable>(
        _ limit: Duration, _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw DeadlineExceeded() }
            return value
        }
    }
}
#endif
