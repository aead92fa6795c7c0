#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Logging
import Synchronization
import Testing
import TestSupport

@testable import DemoApp

@Suite struct SQLiteVisitStoreTests {
    private let logger = Logger(label: "SQLiteVisitStoreTests") { _ in SwiftLogNoOpLogHandler() }

    @Test func freshDatabaseCountsZero() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteVisitStore(path: "\(directory)/visits.sqlite", logger: logger)
            defer { store.close() }
            #expect(try await store.counts() == .zero)
        }
    }

    @Test func recordIncrementsTotalAndVariant() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteVisitStore(path: "\(directory)/visits.sqlite", logger: logger)
            defer { store.close() }
            #expect(try await store.recordVisit(variant: "naive").acknowledged("naive") == (1, 1))
            #expect(try await store.recordVisit(variant: "alpine").acknowledged("alpine") == (2, 1))
            #expect(try await store.recordVisit(variant: "naive").acknowledged("naive") == (3, 2))
            #expect(try await store.counts() == VisitCounts(total: 3, byVariant: ["naive": 2, "alpine": 1]))
        }
    }

    @Test func acknowledgementCarriesOnlyTheRecordedVariantHoweverManyExist() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteVisitStore(path: "\(directory)/visits.sqlite", logger: logger)
            defer { store.close() }
            for index in 0..<50 { _ = try await store.recordVisit(variant: "v\(index)") }
            let counts = try await store.recordVisit(variant: "v7")
            #expect(counts == VisitCounts(total: 51, byVariant: ["v7": 2]))
            #expect(try await store.counts().byVariant.count == 50)
        }
    }

    @Test func concurrentVisitsAreAllCounted() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteVisitStore(path: "\(directory)/visits.sqlite", logger: logger)
            defer { store.close() }
            _ = try await store.recordVisit(variant: "naive")
            let totals = try await recordConcurrently(200, on: [store], variants: ["naive", "alpine", "multistage"])
            let counts = try await store.counts()
            #expect(counts.total == 201)
            #expect(counts.byVariant.values.reduce(0, +) == 201)
            // Each visit saw the counts just after itself: no two acknowledged the same total.
            #expect(totals.sorted() == Array(2...201))
        }
    }

    @Test func groupCommitTakesEveryQueuedVisitInOneTransaction() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteVisitStore(path: "\(directory)/visits.sqlite", logger: logger)
            defer { store.close() }
            // Hold the store's queue inside a completion, so the visits below all queue up behind it.
            let release = DispatchSemaphore(value: 0)
            await withCheckedContinuation { (isBlocked: CheckedContinuation<Void, Never>) in
                store.checkHealth { _ in
                    isBlocked.resume()
                    release.wait()
                }
            }
            let results = await withCheckedContinuation { (finished: CheckedContinuation<[Result<VisitCounts, any Error>], Never>) in
                let collected = Mutex<[Result<VisitCounts, any Error>]>([])
                for _ in 0..<50 {
                    store.recordVisit(variant: "alpine") { result in
                        let all = collected.withLock { results in
                            results.append(result)
                            return results.count == 50 ? results : nil
                        }
                        if let all { finished.resume(returning: all) }
                    }
                }
                release.signal()
            }
            #expect(try results.map { try $0.get().total } == Array(1...50))
            #expect(store.committedBatchCount == 1)
            #expect(try await store.counts() == VisitCounts(total: 50, byVariant: ["alpine": 50]))
        }
    }

    @Test func countsPersistAcrossReopen() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/visits.sqlite"
            let first = try SQLiteVisitStore(path: path, logger: logger)
            _ = try await first.recordVisit(variant: "naive")
            _ = try await first.recordVisit(variant: "multistage")
            first.close()
            let second = try SQLiteVisitStore(path: path, logger: logger)
            defer { second.close() }
            #expect(try await second.counts() == VisitCounts(total: 2, byVariant: ["naive": 1, "multistage": 1]))
            #expect(try await second.recordVisit(variant: "naive").total == 3)
        }
    }

    @Test func twoStoresOnOneFileLoseNoUpdate() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/visits.sqlite"
            let first = try SQLiteVisitStore(path: path, logger: logger)
            defer { first.close() }
            let second = try SQLiteVisitStore(path: path, logger: logger)
            defer { second.close() }
            let totals = try await recordConcurrently(200, on: [first, second], variants: ["naive", "alpine"])
            // Totals are read under the write lock, so they are exact across connections too.
            #expect(totals.sorted() == Array(1...200))
            let expected = VisitCounts(total: 200, byVariant: ["naive": 100, "alpine": 100])
            #expect(try await first.counts() == expected)
            #expect(try await second.counts() == expected)
        }
    }

    @Test func migrationSetsUserVersionAndDoesNotRerun() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/visits.sqlite"
            let store = try SQLiteVisitStore(path: path, logger: logger)
            _ = try await store.recordVisit(variant: "naive")
            store.close()
            let database = try SQLiteDatabase(path: path)
            defer { database.close() }
            #expect(try database.scalarInt("PRAGMA user_version") == SQLiteVisitStore.migrations.count)
            #expect(try database.scalarText("PRAGMA journal_mode") == "wal")

            // v1 is a plain CREATE TABLE: rerunning it would fail, and would not keep the visit.
            let reopened = try SQLiteVisitStore(path: path, logger: logger)
            defer { reopened.close() }
            #expect(try await reopened.counts().total == 1)
        }
    }

    @Test func reopeningADatabaseAtTheCurrentSchemaWritesNothing() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/visits.sqlite"
            let first = try SQLiteVisitStore(path: path, logger: logger)
            _ = try await first.recordVisit(variant: "naive")
            first.close()
            let before = try Self.fileState(path)

            // A restart: open, read, close. Any write (the schema version, a journal) would put a
            // frame in the WAL and, at close, a checkpoint into the file.
            let reopened = try SQLiteVisitStore(path: path, logger: logger)
            #expect(try await reopened.counts().total == 1)
            #expect(try Self.fileState(path + "-wal").size == 0, "nothing written to the WAL")
            reopened.close()
            let after = try Self.fileState(path)
            #expect(after.size == before.size)
            #expect(after.modified == before.modified, "the database file was written")
        }
    }

    /// Size and modification time (to the nanosecond) of `path`; size 0 when it does not exist.
    private static func fileState(_ path: String) throws -> (size: Int, modified: [Int]) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            try #require(errno == ENOENT, "stat \(path)")
            return (0, [])
        }
        return (Int(status.st_size), [Int(status.st_mtim.tv_sec), Int(status.st_mtim.tv_nsec)])
    }

    @Test func migrationIsSkippedWhenUserVersionIsCurrent() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/visits.sqlite"
            let database = try SQLiteDatabase(path: path)
            try database.execute("PRAGMA user_version = \(SQLiteVisitStore.migrations.count)")
            database.close()
            // No table, yet the version says migrated: the store trusts the version and fails to
            // prepare its statements instead of creating the table.
            let error = #expect(throws: VisitStoreError.self) { try SQLiteVisitStore(path: path, logger: logger) }
            #expect(error?.message.contains("no such table") == true)
        }
    }

    @Test func newerSchemaIsRefusedAndLeftAlone() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/visits.sqlite"
            let database = try SQLiteDatabase(path: path)
            defer { database.close() }
            try database.execute("PRAGMA user_version = 99")
            let error = #expect(throws: VisitStoreError.self) { try SQLiteVisitStore(path: path, logger: logger) }
            #expect(error?.kind == .migrate)
            #expect(error?.description.contains(path) == true)
            #expect(try database.scalarInt("PRAGMA user_version") == 99)
        }
    }

    @Test func createsMissingParentDirectories() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteVisitStore(path: "\(directory)/data/nested/visits.sqlite", logger: logger)
            defer { store.close() }
            #expect(try await store.recordVisit(variant: "naive").total == 1)
        }
    }

    @Test func unwritableLocationFailsAtOpenNamingThePath() throws {
        try withTemporaryDirectory { directory in
            // Tests run as root, whom chmod does not stop; a regular file cannot be a directory.
            let file = "\(directory)/not-a-directory"
            let descriptor = open(file, O_CREAT | O_WRONLY, 0o644)
            try #require(descriptor >= 0)
            close(descriptor)
            for path in ["\(file)/visits.sqlite", "\(file)/more/visits.sqlite", "/proc/nonexistent/visits.sqlite"] {
                let error = #expect(throws: VisitStoreError.self) { try SQLiteVisitStore(path: path, logger: logger) }
                #expect(error?.kind == .createDirectory)
                #expect(error?.description.contains(path) == true)
            }
        }
    }

    @Test func closeIsIdempotentAndLaterCallsFail() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteVisitStore(path: "\(directory)/visits.sqlite", logger: logger)
            #expect(await store.isHealthy())
            store.close()
            store.close()
            #expect(await !store.isHealthy())
            let recordError = await #expect(throws: VisitStoreError.self) { try await store.recordVisit(variant: "naive") }
            #expect(recordError?.kind == .closed)
            let countsError = await #expect(throws: VisitStoreError.self) { try await store.counts() }
            #expect(countsError?.kind == .closed)
        }
    }

    @Test func closeFinishesQueuedVisits() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/visits.sqlite"
            let store = try SQLiteVisitStore(path: path, logger: logger)
            let acknowledged = Mutex(0)
            for _ in 0..<20 {
                store.recordVisit(variant: "naive") { result in
                    if case .success = result { acknowledged.withLock { $0 += 1 } }
                }
            }
            store.close()
            #expect(acknowledged.withLock { $0 } == 20)
            let reopened = try SQLiteVisitStore(path: path, logger: logger)
            defer { reopened.close() }
            #expect(try await reopened.counts().total == 20)
        }
    }

    @Test func closeFromACompletionDoesNotDeadlock() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/visits.sqlite"
            let store = try SQLiteVisitStore(path: path, logger: logger)
            let total = try await withCheckedThrowingContinuation { continuation in
                store.recordVisit(variant: "naive") { result in
                    store.close()
                    continuation.resume(with: result.map(\.total))
                }
            }
            #expect(total == 1)
            store.close()
            #expect(await !store.isHealthy())
            let reopened = try SQLiteVisitStore(path: path, logger: logger)
            defer { reopened.close() }
            #expect(try await reopened.counts().total == 1)
        }
    }

    // MARK: - Helpers

    /// Records `count` visits at once, spread round-robin over `stores` and `variants`.
    /// - Returns: The total each visit was acknowledged with.
    private func recordConcurrently(_ count: Int, on stores: [SQLiteVisitStore], variants: [String]) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<count {
                let store = stores[index % stores.count]
                let variant = variants[index % variants.count]
                group.addTask { try await store.recordVisit(variant: variant).total }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}

/// Runs `body` with a fresh directory, removed with its contents afterwards.
private func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory(prefix: "visit-store-")
    defer { directory.remove() }
    return try await body(directory.path)
}

private func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let directory = try TemporaryDirectory(prefix: "visit-store-")
    defer { directory.remove() }
    return try body(directory.path)
}
