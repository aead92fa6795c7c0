import Glibc
import CSQLite
import Dispatch
import Logging
import Synchronization

/// A `VisitStore` on one SQLite file, safe to share between threads and between processes.
///
/// SQLite calls block (on locks, on `fsync`), so they all run on the store's own serial queue,
/// never on an event-loop thread or on Swift's cooperative pool. Visits are group-committed:
/// whatever `recordVisit` calls queue up while one transaction is being made durable go into the
/// next transaction together, so a burst of N visits costs a few `fsync`s, not N.
///
/// Durability and multi-process safety come from the connection settings: WAL journal,
/// `synchronous=FULL` (a visit is acknowledged only after its commit reached the disk),
/// `BEGIN IMMEDIATE` with a busy timeout (writers in other processes wait instead of failing), and
/// counts read inside the write transaction (so no update is lost between processes).
public final class SQLiteVisitStore: VisitStore {
    /// The database path the store was opened with.
    public let path: String

    private let logger: Logger
    private let queue: DispatchQueue
    /// Touched only on `queue` (and in `deinit`, when nothing else can reach it).
    private let connection: Connection
    private let state = Mutex(State())

    /// How long a writer waits for another process's write lock. Long enough to ride out a burst
    /// of group commits elsewhere, short enough that a wedged writer surfaces as an error.
    static let busyTimeoutMilliseconds: Int32 = 5000

    /// Schema migrations in order: entry `i` takes `PRAGMA user_version` from `i` to `i + 1`.
    /// Append only; never edit a shipped entry, since databases already past it will not rerun it.
    static let migrations: [String] = [
        // v1: one counter per variant rather than a row per visit, so the file stays a few pages
        // however many visits it counts, and the total is a sum over a handful of rows.
        """
        CREATE TABLE visit_counts (
            variant TEXT NOT NULL PRIMARY KEY,
            count INTEGER NOT NULL CHECK (count >= 0)
        ) WITHOUT ROWID;
        """
    ]

    /// Opens (creating the parent directory and the file when missing) and migrates.
    ///
    /// The migration transaction also proves the file is writable, so a read-only location fails
    /// here, at start-up, rather than on the first visit.
    /// - Parameters:
    ///   - path: The database file; its directory is created when missing.
    ///   - logger: Where open, migration and close are logged.
    /// - Throws: `VisitStoreError` naming `path` when the directory or file cannot be created or
    ///   opened, is not writable, or holds a schema newer than this build knows.
    public convenience init(path: String, logger: Logger) throws {
        try self.init(path: path, logger: logger, busyTimeoutMilliseconds: Self.busyTimeoutMilliseconds)
    }

    /// Opens with a chosen busy timeout, so tests can make a held lock fail writes quickly.
    init(path: String, logger: Logger, busyTimeoutMilliseconds: Int32) throws {
        self.path = path
        self.logger = logger
        self.queue = DispatchQueue(label: "DemoApp.SQLiteVisitStore")
        let connection = Connection(path: path, logger: logger, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        // Opening blocks too (locks, fsync of the migration), so it also runs on the queue.
        try queue.sync { try connection.open() }
        self.connection = connection
    }

    deinit {
        // Every queued block holds `self`, so none is pending or running and the queue-only
        // connection can be closed from here.
        connection.close()
    }

    /// Queues one visit; it is committed with whatever else is queued, then `completion` runs on
    /// the store's queue.
    /// - Parameters:
    ///   - variant: The image variant the visit was served by; validated by the caller.
    ///   - completion: Called once with the counts just after this visit, or with the
    ///     `VisitStoreError` that kept it from being committed (then it was not counted).
    public func recordVisit(variant: String, completion: @escaping @Sendable (Result<VisitCounts, any Error>) -> Void) {
        guard enqueue(.visit(variant: variant, completion: completion)) else {
            return completion(.failure(VisitStoreError.closed(path: path)))
        }
    }

    /// Reads the counts after any visits queued before this call are committed.
    /// - Parameter completion: Called once, on the store's queue, with the counts or the
    ///   `VisitStoreError` that kept them from being read.
    public func counts(completion: @escaping @Sendable (Result<VisitCounts, any Error>) -> Void) {
        guard enqueue(.counts(completion)) else {
            return completion(.failure(VisitStoreError.closed(path: path)))
        }
    }

    /// Readiness: reads the counts table, so it fails when the file is gone or unreadable.
    /// - Parameter completion: Called once with the answer; `false` at once when closed.
    public func checkHealth(completion: @escaping @Sendable (Bool) -> Void) {
        guard enqueue(.health(completion)) else { return completion(false) }
    }

    /// Finishes queued work, closes the database; idempotent; blocks the caller until closed.
    ///
    /// Calls made afterwards complete at once, on the caller's thread, with
    /// `VisitStoreError.closed`. Called from a completion (which runs on the store's queue), it
    /// cannot wait for the queue it is running on: it returns at once and the database closes
    /// as soon as the current batch is done.
    public func close() {
        let (wasOpen, isOnQueue) = state.withLock { state in
            let wasOpen = !state.isClosed
            state.isClosed = true
            return (wasOpen, state.isRunning(on: pthread_self()))
        }
        if isOnQueue {
            if wasOpen { queue.async { self.finish() } }
            return
        }
        queue.sync { finish() }
    }

    /// Transactions committed so far, for tests of group commit.
    var committedBatchCount: Int { state.withLock { $0.committedBatchCount } }

    // MARK: - Queue

    private enum Job {
        case visit(variant: String, completion: @Sendable (Result<VisitCounts, any Error>) -> Void)
        case counts(@Sendable (Result<VisitCounts, any Error>) -> Void)
        case health(@Sendable (Bool) -> Void)
    }

    private struct State {
        var pending: [Job] = []
        /// A `drain` block is on the queue and has not yet taken `pending`; later jobs ride on it.
        var isDrainScheduled = false
        var isClosed = false
        /// The thread running a block on `queue`, so that `close()` can tell it must not wait.
        var queueThread: pthread_t?
        var committedBatchCount = 0

        func isRunning(on thread: pthread_t) -> Bool {
            queueThread.map { pthread_equal($0, thread) != 0 } ?? false
        }

        mutating func takePending() -> [Job] {
            defer { pending = [] }
            return pending
        }
    }

    /// Queues a job, scheduling a drain unless one is already waiting to run.
    /// - Returns: `false` when the store is closed and the job was not queued.
    private func enqueue(_ job: Job) -> Bool {
        let shouldSchedule: Bool? = state.withLock { state in
            guard !state.isClosed else { return nil }
            state.pending.append(job)
            defer { state.isDrainScheduled = true }
            return !state.isDrainScheduled
        }
        guard let shouldSchedule else { return false }
        if shouldSchedule { queue.async { self.drain() } }
        return true
    }

    /// Takes every queued job at once: this is what makes a burst one transaction. Jobs queued
    /// while it runs schedule the next drain, which takes them all in turn.
    private func drain() {
        onQueue {
            let jobs = state.withLock { state in
                state.isDrainScheduled = false
                return state.takePending()
            }
            run(jobs)
        }
    }

    private func finish() {
        onQueue {
            // Closing stops new jobs, so what is pending now is the last work there will be.
            run(state.withLock { $0.takePending() })
            connection.close()
        }
    }

    private func onQueue(_ body: () -> Void) {
        state.withLock { $0.queueThread = pthread_self() }
        defer { state.withLock { $0.queueThread = nil } }
        body()
    }

    /// Commits all visits in one transaction, then answers everything else. Reads run after the
    /// commit, so a read sees at least every visit queued before it.
    private func run(_ jobs: [Job]) {
        var visits: [(variant: String, completion: @Sendable (Result<VisitCounts, any Error>) -> Void)] = []
        for case let .visit(variant, completion) in jobs { visits.append((variant, completion)) }
        if !visits.isEmpty {
            logger.trace("committing visits", metadata: ["count": "\(visits.count)"])
            switch connection.record(visits.map(\.variant)) {
            case .success(let snapshots):
                state.withLock { $0.committedBatchCount += 1 }
                for (visit, counts) in zip(visits, snapshots) { visit.completion(.success(counts)) }
            case .failure(let error):
                for visit in visits { visit.completion(.failure(error)) }
            }
        }
        for job in jobs {
            switch job {
            case .visit: continue
            case .counts(let completion): completion(connection.readCounts().mapError { $0 })
            case .health(let completion): completion(connection.isHealthy())
            }
        }
    }
}

// MARK: - Connection

extension SQLiteVisitStore {
    /// The SQLite connection and its reusable statements, confined to the store's queue: that
    /// confinement is the whole of its thread safety, hence `@unchecked`.
    private final class Connection: @unchecked Sendable {
        let path: String
        let logger: Logger
        private var database: SQLiteDatabase?
        private var statements: Statements?
        /// The last commit of visits failed (a full disk, an I/O error, a lock held too long), so
        /// readiness needs a write to succeed before it says ready again.
        private var isWriteFailing = false

        private struct Statements {
            let begin: SQLiteStatement
            let commit: SQLiteStatement
            let rollback: SQLiteStatement
            let increment: SQLiteStatement
            let selectTotal: SQLiteStatement
            let selectCounts: SQLiteStatement
            let probe: SQLiteStatement
            let probeInsert: SQLiteStatement
            let probeDelete: SQLiteStatement

            init(_ database: SQLiteDatabase) throws {
                // IMMEDIATE takes the write lock up front, so the counts read inside the
                // transaction cannot be changed by another process before the commit, and a busy
                // writer is waited for (busy_timeout) instead of failing mid-transaction.
                begin = try database.prepare("BEGIN IMMEDIATE")
                commit = try database.prepare("COMMIT")
                rollback = try database.prepare("ROLLBACK")
                // RETURNING hands back the variant's new count from the write itself (SQLite 3.35+),
                // so a batch never needs the whole table in memory.
                increment = try database.prepare(
                    """
                    INSERT INTO visit_counts (variant, count) VALUES (?1, 1)
                    ON CONFLICT (variant) DO UPDATE SET count = count + 1
                    RETURNING count
                    """
                )
                selectTotal = try database.prepare("SELECT COALESCE(SUM(count), 0) FROM visit_counts")
                selectCounts = try database.prepare("SELECT variant, count FROM visit_counts")
                // Touches the table's root page, so it proves the file is still readable; a bare
                // `SELECT 1` would not read the file at all.
                probe = try database.prepare("SELECT 1 FROM visit_counts LIMIT 1")
                // The write probe after a failed write: a row no visit can name (variants are never
                // empty), added and removed in one transaction, so the commit writes a page as a
                // visit's would and leaves the counts as they were.
                probeInsert = try database.prepare("INSERT INTO visit_counts (variant, count) VALUES ('', 0)")
                probeDelete = try database.prepare("DELETE FROM visit_counts WHERE variant = ''")
            }

            func finalize() {
                for statement in [begin, commit, rollback, increment, selectTotal, selectCounts, probe, probeInsert, probeDelete] {
                    statement.finalize()
                }
            }
        }

        let busyTimeoutMilliseconds: Int32

        init(path: String, logger: Logger, busyTimeoutMilliseconds: Int32) {
            self.path = path
            self.logger = logger
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        }

        func open() throws(VisitStoreError) {
            try createParentDirectory()
            let database: SQLiteDatabase
            do {
                database = try SQLiteDatabase(path: path)
            } catch {
                throw storeError(.open, error)
            }
            do {
                guard !database.isReadOnly else {
                    throw VisitStoreError(
                        kind: .notWritable, path: path,
                        message: "SQLite opened it read-only; check the owner and mode of the file and its directory"
                    )
                }
                database.setBusyTimeout(milliseconds: busyTimeoutMilliseconds)
                let journalMode = try configure(database)
                let version = try migrate(database, durableCommit: journalMode.lowercased() != "wal")
                // From here on, every commit is on disk before it is acknowledged.
                do {
                    try database.execute("PRAGMA synchronous = FULL")
                } catch {
                    throw storeError(.open, error)
                }
                statements = try Statements(database)
                self.database = database
                logger.info(
                    "opened visit database",
                    metadata: ["path": "\(path)", "journal_mode": "\(journalMode)", "schema_version": "\(version)"]
                )
            } catch {
                statements?.finalize()
                statements = nil
                database.close()
                throw storeError(.open, error)
            }
        }

        /// Sets the per-connection pragmas.
        /// - Returns: The journal mode SQLite actually uses.
        private func configure(_ database: SQLiteDatabase) throws(VisitStoreError) -> String {
            do {
                // WAL lets readers (health, counts) run while another process writes. SQLite
                // answers with the mode it settled on: some filesystems cannot do WAL.
                let journalMode = try database.scalarText("PRAGMA journal_mode = WAL") ?? "unknown"
                if journalMode.lowercased() != "wal" {
                    logger.warning(
                        "visit database is not in WAL mode; writers will block readers",
                        metadata: ["path": "\(path)", "journal_mode": "\(journalMode)"]
                    )
                }
                // MEMORY: temp tables and sorts must not need a temp directory, which the container
                // image does not have. (`synchronous` is set around the migration, in `open`.)
                try database.execute("PRAGMA temp_store = MEMORY")
                return journalMode
            } catch {
                throw storeError(.open, error)
            }
        }

        /// Brings the schema to `migrations.count` in one immediate transaction, so two processes
        /// starting together do not both migrate. A file already at the current version is left
        /// as it was: the transaction takes the write lock (which a file that cannot be written
        /// refuses) and is rolled back, so a restart writes and syncs nothing.
        ///
        /// In WAL mode the transaction commits with `synchronous = NORMAL`: atomic, but not synced
        /// at once (SQLite: "WAL mode is always consistent with synchronous=NORMAL"). Nothing is
        /// lost by that: a schema whose commit did not reach the disk is simply made again at the
        /// next start, and the first visit's commit (FULL) syncs the log with it. On a fresh
        /// database that saves a sync of the start-up path; other journal modes keep FULL, since
        /// NORMAL there can corrupt the file on power loss.
        /// - Parameter durableCommit: Whether the commit must sync (not in WAL mode).
        /// - Returns: The schema version now in the file.
        private func migrate(_ database: SQLiteDatabase, durableCommit: Bool) throws(VisitStoreError) -> Int {
            let target = SQLiteVisitStore.migrations.count
            do {
                try database.execute(durableCommit ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
                try database.execute("BEGIN IMMEDIATE")
                let current = try database.scalarInt("PRAGMA user_version") ?? 0
                guard current <= target else {
                    try database.execute("ROLLBACK")
                    // Downgrading would need knowledge this build lacks; refusing keeps the data.
                    throw VisitStoreError(
                        kind: .migrate, path: path,
                        message: "schema version \(current) is newer than this build supports (\(target))"
                    )
                }
                guard current < target else {
                    try database.execute("ROLLBACK")
                    return target
                }
                for version in current..<target {
                    try database.execute(SQLiteVisitStore.migrations[version])
                    logger.info("migrating visit database", metadata: ["path": "\(path)", "to_version": "\(version + 1)"])
                }
                try database.execute("PRAGMA user_version = \(target)")
                try database.execute("COMMIT")
                return target
            } catch {
                if database.isInTransaction { try? database.execute("ROLLBACK") }
                throw storeError(.migrate, error)
            }
        }

        /// The directory the database file is in: `.` for a bare file name, `/` for one in the root.
        private var parentDirectory: String {
            guard let slash = path.lastIndex(of: "/") else { return "." }
            return slash == path.startIndex ? "/" : String(path[..<slash])
        }

        /// `mkdir -p` of the file's directory, so that a fresh `DATABASE_PATH` works unprepared.
        private func createParentDirectory() throws(VisitStoreError) {
            // A restart finds its database where it left it: nothing to create, nor to walk.
            var file = stat()
            if stat(path, &file) == 0, file.st_mode & S_IFMT == S_IFREG { return }
            let directory = parentDirectory
            guard directory != ".", directory != "/" else { return }
            var partial = directory.hasPrefix("/") ? "/" : ""
            for component in directory.split(separator: "/") {
                partial += component
                if mkdir(partial, 0o755) != 0, errno != EEXIST { throw systemError("mkdir \(partial)", errno) }
                partial += "/"
            }
            // mkdir reports EEXIST for a regular file too; say so now rather than let SQLite fail
            // later with a vaguer "unable to open database file".
            var info = stat()
            guard stat(directory, &info) == 0 else { throw systemError("stat \(directory)", errno) }
            guard info.st_mode & S_IFMT == S_IFDIR else { throw systemError(directory, ENOTDIR) }
        }

        private func systemError(_ operation: String, _ code: Int32) -> VisitStoreError {
            VisitStoreError(
                kind: .createDirectory, path: path,
                message: "\(operation): \(String(cString: strerror(code))) (errno \(code))"
            )
        }

        /// Counts the visits in one transaction and returns, for each, the total and its own
        /// variant's count just after it.
        ///
        /// Each snapshot holds one variant, not the whole map: a batch of N visits over V variants
        /// costs O(N + V), not O(N × V) copies (the review measured RSS 14.6 -> 34 MB with 1,500
        /// variants when every visit copied the map).
        func record(_ variants: [String]) -> Result<[VisitCounts], VisitStoreError> {
            guard let database, let statements else { return .failure(.closed(path: path)) }
            do {
                try run(statements.begin)
                // Read after the write lock is held: no other process can change the table until
                // the commit, so the per-visit snapshots below are exact.
                var total = try readTotal(statements.selectTotal)
                var snapshots: [VisitCounts] = []
                snapshots.reserveCapacity(variants.count)
                for variant in variants {
                    defer { statements.increment.reset() }
                    try statements.increment.bind(variant, at: 1)
                    guard try statements.increment.step() else {
                        throw VisitStoreError(kind: .write, path: path, message: "the counter update returned no row")
                    }
                    total += 1
                    snapshots.append(VisitCounts(total: total, byVariant: [variant: statements.increment.int(at: 0)]))
                }
                try run(statements.commit)
                isWriteFailing = false
                return .success(snapshots)
            } catch {
                isWriteFailing = true
                // A failed COMMIT (disk full, I/O error) leaves the transaction open; nothing in it
                // was acknowledged, so it is rolled back and every visit in it reported failed.
                if database.isInTransaction { try? run(statements.rollback) }
                return .failure(storeError(.write, error))
            }
        }

        func readCounts() -> Result<VisitCounts, VisitStoreError> {
            guard let statements else { return .failure(.closed(path: path)) }
            do {
                return .success(try readCounts(statements.selectCounts))
            } catch {
                return .failure(storeError(.read, error))
            }
        }

        /// Readiness: the table can be read and, after a failed write, written again.
        ///
        /// A full disk leaves reads working while every visit fails with 503; readiness that
        /// only read would keep sending traffic to a replica that can only refuse it. Once out of
        /// rotation no visit comes to prove the disk has room again, so the probe writes itself.
        func isHealthy() -> Bool {
            guard let database, let statements else { return false }
            do {
                try run(statements.probe)
            } catch {
                // Readiness only reports false; this is the one place the reason is kept.
                logger.warning("visit database health check failed", metadata: ["path": "\(path)", "error": "\(error)"])
                return false
            }
            guard isWriteFailing else { return true }
            do {
                try run(statements.begin)
                try run(statements.probeInsert)
                try run(statements.probeDelete)
                try run(statements.commit)
                isWriteFailing = false
                logger.info("visit database accepts writes again", metadata: ["path": "\(path)"])
                return true
            } catch {
                if database.isInTransaction { try? run(statements.rollback) }
                logger.warning("visit database still cannot write", metadata: ["path": "\(path)", "error": "\(error)"])
                return false
            }
        }

        func close() {
            guard let database else { return }
            statements?.finalize()
            statements = nil
            database.close()
            self.database = nil
            logger.info("closed visit database", metadata: ["path": "\(path)"])
        }

        private func readTotal(_ statement: SQLiteStatement) throws -> Int {
            defer { statement.reset() }
            return try statement.step() ? statement.int(at: 0) : 0
        }

        private func readCounts(_ statement: SQLiteStatement) throws -> VisitCounts {
            defer { statement.reset() }
            var counts = VisitCounts.zero
            while try statement.step() {
                let count = statement.int(at: 1)
                counts.byVariant[statement.text(at: 0)] = count
                counts.total += count
            }
            return counts
        }

        private func run(_ statement: SQLiteStatement) throws {
            defer { statement.reset() }
            _ = try statement.step()
        }

        private func storeError(_ kind: VisitStoreError.Kind, _ error: any Error) -> VisitStoreError {
            if let error = error as? VisitStoreError { return error }
            guard let error = error as? SQLiteError else {
                return VisitStoreError(kind: kind, path: path, message: "\(error)")
            }
            // At start-up a read-only file or directory shows up as whichever write came first;
            // naming it as such tells the operator what to fix.
            let isReadOnly = error.code & 0xff == SQLITE_READONLY
            // SQLite says only "unable to open database file" when permissions are the cause.
            if error.code & 0xff == SQLITE_CANTOPEN, kind == .open, let hint = permissionProblem() {
                return VisitStoreError(kind: .notWritable, path: path, sqliteCode: error.code, message: "\(error.message): \(hint)")
            }
            let reported = isReadOnly && (kind == .open || kind == .migrate) ? .notWritable : kind
            return VisitStoreError(kind: reported, path: path, sqliteCode: error.code, message: error.message)
        }

        /// Why this process may not create or write the database, if permissions are the reason:
        /// SQLite needs to write the file and to create its journal files beside it.
        private func permissionProblem() -> String? {
            let directory = parentDirectory
            let user = "uid \(getuid()), gid \(getgid())"
            if access(directory, W_OK | X_OK) != 0 {
                return "directory '\(directory)' is not writable by \(user) (\(String(cString: strerror(errno))))"
            }
            if access(path, F_OK) == 0, access(path, R_OK | W_OK) != 0 {
                return "the file is not readable and writable by \(user) (\(String(cString: strerror(errno))))"
            }
            return nil
        }
    }
}
