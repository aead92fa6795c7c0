#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import Synchronization
import Testing
import TestSupport

@testable import DemoApp

/// What every `VisitStore` promises, run against each backend this build has: SQLite always,
/// PostgreSQL when built with the `PostgreSQL` trait and its binaries are installed (see
/// `PostgresTestServer`).
@Suite struct VisitStoreContractTests {
    /// A backend under test: makes a fresh database and opens stores on it.
    struct Backend: CustomTestStringConvertible, Sendable {
        let name: String
        /// Creates an empty database and returns an opener for it (call it again to reopen).
        let makeDatabase: @Sendable () throws -> (open: @Sendable () throws -> any VisitStore, remove: @Sendable () -> Void)
        var testDescription: String { name }

        static let logger = Logger(label: "VisitStoreContractTests") { _ in SwiftLogNoOpLogHandler() }

        static let sqlite = Backend(name: "SQLite") {
            let directory = "/tmp/visit-store-contract-\(UInt64.random(in: 0...UInt64.max))"
            let path = "\(directory)/visits.sqlite"
            return (
                { try SQLiteVisitStore(path: path, logger: logger) },
                {
                    for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
                    rmdir(directory)
                }
            )
        }

        #if PostgreSQL
        static let postgres = Backend(name: "PostgreSQL") {
            let url = try PostgresURL(try PostgresTestServer.shared.makeDatabase())
            return ({ try PostgresVisitStore(url: url, connectTimeout: .seconds(10), logger: logger) }, {})
        }
        #endif

        /// SQLite, and PostgreSQL when this build and machine have it.
        static var all: [Backend] {
            #if PostgreSQL
            return PostgresTestServer.isAvailable ? [sqlite, postgres] : [sqlite]
            #else
            return [sqlite]
            #endif
        }
    }

    @Test(arguments: Backend.all) func freshDatabaseCountsZero(backend: Backend) async throws {
        let database = try backend.makeDatabase()
        defer { database.remove() }
        let store = try database.open()
        defer { store.close() }
        #expect(try await store.counts() == .zero)
        #expect(await store.isHealthy())
    }

    @Test(arguments: Backend.all) func recordIncrementsTotalAndVariant(backend: Backend) async throws {
        let database = try backend.makeDatabase()
        defer { database.remove() }
        let store = try database.open()
        defer { store.close() }
        #expect(try await store.recordVisit(variant: "naive").acknowledged("naive") == (1, 1))
        #expect(try await store.recordVisit(variant: "alpine").acknowledged("alpine") == (2, 1))
        #expect(try await store.recordVisit(variant: "naive").acknowledged("naive") == (3, 2))
        #expect(try await store.counts() == VisitCounts(total: 3, byVariant: ["naive": 2, "alpine": 1]))
    }

    @Test(arguments: Backend.all) func concurrentVisitsFromTwoStoresAreAllCounted(backend: Backend) async throws {
        let database = try backend.makeDatabase()
        defer { database.remove() }
        let first = try database.open()
        defer { first.close() }
        let second = try database.open()
        defer { second.close() }
        let variants = ["naive", "alpine", "multistage"]
        let acknowledged = try await withThrowingTaskGroup(of: (String, Int).self) { group in
            for index in 0..<300 {
                let store = index % 2 == 0 ? first : second
                let variant = variants[index % variants.count]
                group.addTask { (variant, try await store.recordVisit(variant: variant).byVariant[variant] ?? 0) }
            }
            return try await group.reduce(into: [String: [Int]]()) { $0[$1.0, default: []].append($1.1) }
        }
        let counts = try await first.counts()
        #expect(counts == VisitCounts(total: 300, byVariant: ["naive": 100, "alpine": 100, "multistage": 100]))
        // Each visit was acknowledged with its own variant's count just after it: no lost update,
        // no two visits with the same number.
        for variant in variants { #expect(acknowledged[variant]?.sorted() == Array(1...100)) }
    }

    @Test(arguments: Backend.all) func countsPersistAcrossReopen(backend: Backend) async throws {
        let database = try backend.makeDatabase()
        defer { database.remove() }
        let store = try database.open()
        for _ in 0..<5 { _ = try await store.recordVisit(variant: "multistage") }
        store.close()
        let reopened = try database.open()
        defer { reopened.close() }
        #expect(try await reopened.counts() == VisitCounts(total: 5, byVariant: ["multistage": 5]))
    }

    @Test(arguments: Backend.all) func closeIsIdempotentAndLaterCallsFail(backend: Backend) async throws {
        let database = try backend.makeDatabase()
        defer { database.remove() }
        let store = try database.open()
        store.close()
        store.close()
        await #expect(throws: VisitStoreError.self) { try await store.recordVisit(variant: "naive") }
        await #expect(throws: VisitStoreError.self) { try await store.counts() }
        #expect(await !store.isHealthy())
    }

    @Test(arguments: Backend.all) func closeWaitsForVisitsInFlight(backend: Backend) async throws {
        let database = try backend.makeDatabase()
        defer { database.remove() }
        let store = try database.open()
        let acknowledged = Mutex(0)
        let answered = Mutex(0)
        for _ in 0..<20 {
            store.recordVisit(variant: "naive") { result in
                answered.withLock { $0 += 1 }
                if case .success = result { acknowledged.withLock { $0 += 1 } }
            }
        }
        store.close()
        #expect(answered.withLock { $0 } == 20)
        let reopened = try database.open()
        defer { reopened.close() }
        #expect(try await reopened.counts().total == acknowledged.withLock { $0 })
    }

    @Test(arguments: Backend.all) func closeFromACompletionDoesNotDeadlock(backend: Backend) async throws {
        let database = try backend.makeDatabase()
        defer { database.remove() }
        let store = try database.open()
        let total = try await withCheckedThrowingContinuation { continuation in
            store.recordVisit(variant: "naive") { result in
                store.close()
                continuation.resume(with: result.map(\.total))
            }
        }
        #expect(total == 1)
        store.close()
        #expect(await !store.isHealthy())
        let reopened = try database.open()
        defer { reopened.close() }
        #expect(try await reopened.counts().total == 1)
    }
}
