/// How many visits the demo page has seen, overall and per image variant.
public struct VisitCounts: Sendable, Equatable {
    /// All visits, whatever the variant: the sum of `byVariant` as `counts` reads it (after
    /// `recordVisit`, `byVariant` may hold the recorded variant only).
    public var total: Int
    /// Visits per image variant (`naive`, `alpine`, `multistage`, …).
    public var byVariant: [String: Int]

    /// Creates counts.
    /// - Parameters:
    ///   - total: All visits.
    ///   - byVariant: Visits per variant.
    public init(total: Int, byVariant: [String: Int]) {
        self.total = total
        self.byVariant = byVariant
    }

    /// No visits yet.
    public static let zero = VisitCounts(total: 0, byVariant: [:])
}

/// Durable visit counting.
///
/// The callbacks are the primitive so that callers on an event-loop thread never block and never
/// need a Swift task; the `async` conveniences below wrap them for everyone else. Completions may
/// run on the store's own thread, so they must be quick and must not block: the application
/// hands the counts back to the request's event loop (`HTTPResponder.onEventLoop`) and renders,
/// counts and logs there, leaving the store's thread free for the next commit.
public protocol VisitStore: Sendable {
    /// Records one visit for `variant`, committed durably before completion is called.
    /// - Parameters:
    ///   - variant: The image variant the visit was served by; validated by the caller.
    ///   - completion: Called once with the counts just after this visit, or with the error that
    ///     kept it from being committed (in which case it was not counted). `total` is the total
    ///     just after the visit and `byVariant[variant]` its variant's count; other variants may
    ///     be left out (the SQLite store leaves them out, so that a batch never copies the map
    ///     once per visit), and callers must not read them.
    func recordVisit(variant: String, completion: @escaping @Sendable (Result<VisitCounts, any Error>) -> Void)

    /// Reads the current counts.
    /// - Parameter completion: Called once with the counts, or with the error that kept them from
    ///   being read.
    func counts(completion: @escaping @Sendable (Result<VisitCounts, any Error>) -> Void)

    /// Readiness: the database answers a trivial query and, after a visit failed to commit,
    /// accepts a write again (a full disk leaves reads working while every visit fails).
    /// - Parameter completion: Called once with `true` when it did, `false` when it failed, the
    ///   last write failed and a write still fails, or the store is closed.
    func checkHealth(completion: @escaping @Sendable (Bool) -> Void)

    /// Finishes queued work, closes the database; idempotent; blocks the caller until closed.
    ///
    /// Calls made afterwards complete with an error.
    func close()
}

extension VisitStore {
    /// Records one visit for `variant` and returns once it is committed durably.
    /// - Parameter variant: The image variant the visit was served by; validated by the caller.
    /// - Returns: The total and this variant's count just after this visit (other variants may
    ///   be left out).
    /// - Throws: `VisitStoreError` when the visit could not be committed or the store is closed.
    public func recordVisit(variant: String) async throws -> VisitCounts {
        try await withCheckedThrowingContinuation { continuation in
            recordVisit(variant: variant) { continuation.resume(with: $0) }
        }
    }

    /// Reads the current counts.
    /// - Returns: The counts.
    /// - Throws: `VisitStoreError` when they could not be read or the store is closed.
    public func counts() async throws -> VisitCounts {
        try await withCheckedThrowingContinuation { continuation in
            counts { continuation.resume(with: $0) }
        }
    }

    /// Whether the database answers a trivial query (readiness).
    /// - Returns: `true` when it did, `false` when it failed or the store is closed.
    public func isHealthy() async -> Bool {
        await withCheckedContinuation { continuation in
            checkHealth { continuation.resume(returning: $0) }
        }
    }
}

/// Why the visit store could not do what was asked, naming the database path so that a start-up
/// failure printed as one line tells the operator which file or directory to fix.
public struct VisitStoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What the store was doing.
    public enum Kind: Sendable, Equatable {
        /// The directory that should hold the database could not be created.
        case createDirectory
        /// The database file could not be opened or created, or its pragmas could not be set.
        case open
        /// The database opened, but only for reading.
        case notWritable
        /// The schema could not be brought to this build's version.
        case migrate
        /// Visits could not be committed.
        case write
        /// Counts could not be read.
        case read
        /// The store was closed before the call.
        case closed
    }

    /// What the store was doing.
    public let kind: Kind
    /// The database path the store was opened with.
    public let path: String
    /// The SQLite extended result code, when SQLite reported the failure.
    public let sqliteCode: Int32?
    /// What went wrong, as SQLite or the system described it.
    public let message: String

    /// Creates an error.
    /// - Parameters:
    ///   - kind: What the store was doing.
    ///   - path: The database path.
    ///   - sqliteCode: The SQLite extended result code, if SQLite reported the failure.
    ///   - message: What went wrong.
    public init(kind: Kind, path: String, sqliteCode: Int32? = nil, message: String) {
        self.kind = kind
        self.path = path
        self.sqliteCode = sqliteCode
        self.message = message
    }

    /// The error for a call made after `close()`.
    /// - Parameter path: The database path.
    /// - Returns: The error.
    public static func closed(path: String) -> VisitStoreError {
        VisitStoreError(kind: .closed, path: path, message: "the store is closed")
    }

    /// One line naming the path, what failed and why, fit to print before exiting at start-up.
    public var description: String {
        let what =
            switch kind {
            case .createDirectory: "cannot create the directory for visit database '\(path)'"
            case .open: "cannot open visit database '\(path)'"
            case .notWritable: "visit database '\(path)' is not writable"
            case .migrate: "cannot migrate visit database '\(path)'"
            case .write: "cannot record visits in '\(path)'"
            case .read: "cannot read visit counts from '\(path)'"
            case .closed: "visit database '\(path)' is closed"
            }
        guard kind != .closed else { return what }
        let code = sqliteCode.map { " (SQLite code \($0))" } ?? ""
        return "\(what): \(message)\(code)"
    }
}
