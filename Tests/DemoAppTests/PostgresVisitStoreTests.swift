#if PostgreSQL
import Dispatch
import Logging
import Synchronization
import Testing
import TestSupport

@testable import DemoApp

/// What only the PostgreSQL store has to show: several replicas migrating at once, a database that
/// is not there at start-up, and one that goes away and comes back while the store is open.
/// Runs against a real server (`PostgresTestServer`); skipped with a note when there is none.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs PostgreSQL's binaries"))
struct PostgresVisitStoreTests {
    private let logger = Logger(label: "PostgresVisitStoreTests") { _ in SwiftLogNoOpLogHandler() }

    @Test func replicasStartingTogetherMigrateOnceAndAllOpen() async throws {
        let server = try PostgresTestServer.shared
        let url = try PostgresURL(try server.makeDatabase())
        let logger = logger
        let stores = try await withThrowingTaskGroup(of: PostgresVisitStore.self) { group in
            for _ in 0..<6 {
                group.addTask { try PostgresVisitStore(url: url, connectTimeout: .seconds(10), logger: logger) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        defer { for store in stores { store.close() } }
        #expect(try server.psql("SELECT version FROM visit_schema_version", database: url.database) == "1")
        #expect(try server.psql("SELECT count(*) FROM visit_schema_version", database: url.database) == "1")
        _ = try await stores[0].recordVisit(variant: "naive")
        #expect(try await stores[5].counts().total == 1)
    }

    @Test func groupCommitTakesEveryQueuedVisitInOneStatementWithExactPerVisitCounts() async throws {
        let url = try PostgresURL(try PostgresTestServer.shared.makeDatabase())
        // One connection, so that holding it holds the store.
        let store = try PostgresVisitStore(url: url, connectTimeout: .seconds(10), connections: 1, logger: logger)
        defer { store.close() }
        _ = try await store.recordVisit(variant: "naive")
        // Hold the store's queue inside a completion, so the visits below all queue up behind it.
        let release = DispatchSemaphore(value: 0)
        await withCheckedContinuation { (isBlocked: CheckedContinuation<Void, Never>) in
            store.checkHealth { _ in
                isBlocked.resume()
                release.wait()
            }
        }
        let variants = (0..<60).map { ["alpine", "multistage", "with \"quotes\", {braces} and \\"][$0 % 3] }
        let results = await withCheckedContinuation { (finished: CheckedContinuation<[Result<VisitCounts, any Error>], Never>) in
            let collected = Mutex<[Result<VisitCounts, any Error>]>([])
            for variant in variants {
                store.recordVisit(variant: variant) { result in
                    let all = collected.withLock { results in
                        results.append(result)
                        return results.count == variants.count ? results : nil
                    }
                    if let all { finished.resume(returning: all) }
                }
            }
            release.signal()
        }
        // Completions run in arrival order, each with the counts just after its own visit.
        let counts = try results.map { try $0.get() }
        #expect(counts.map(\.total) == Array(2...61))
        for (index, variant) in variants.enumerated() {
            #expect(counts[index].byVariant[variant] == index / 3 + 1)
        }
        #expect(counts.last == VisitCounts(total: 61, byVariant: ["naive": 1, "alpine": 20, "multistage": 20, variants[2]: 20]))
        #expect(store.committedBatchCount == 2)
        #expect(try await store.counts() == counts.last)
    }

    @Test func newerSchemaIsRefusedAndLeftAlone() throws {
        let server = try PostgresTestServer.shared
        let url = try PostgresURL(try server.makeDatabase())
        try PostgresVisitStore(url: url, logger: logger).close()
        try server.psql("UPDATE visit_schema_version SET version = 99", database: url.database)
        #expect {
            try PostgresVisitStore(url: url, connectTimeout: .seconds(5), logger: logger)
        } throws: { error in
            let error = error as? VisitStoreError
            return error?.kind == .migrate && error?.message == "schema version 99 is newer than this build supports (1)"
        }
        #expect(try server.psql("SELECT version FROM visit_schema_version", database: url.database) == "99")
    }

    @Test func unreachableDatabaseAtStartFailsAfterBoundedRetryWithoutThePassword() throws {
        // A port nobody listens on: a server started and stopped again.
        let server = try PostgresTestServer()
        server.remove()
        let url = try PostgresURL("postgres://demo:s3cret-pw@127.0.0.1:\(server.port)/visits?sslmode=disable")
        #expect {
            try PostgresVisitStore(url: url, connectTimeout: .seconds(1), logger: logger)
        } throws: { error in
            let text = "\(error)"
            return (error as? VisitStoreError)?.kind == .open && text.contains("gave up after")
                && text.contains("postgres://demo@127.0.0.1:\(server.port)/visits") && !text.contains("s3cret-pw")
        }
    }

    @Test func lostDatabaseFailsCallsQuicklyAndRecoversWithoutReopening() async throws {
        let server = try PostgresTestServer()
        defer { server.remove() }
        let url = try PostgresURL(server.url())
        let store = try PostgresVisitStore(url: url, operationTimeout: .seconds(2), logger: logger)
        defer { store.close() }
        #expect(try await store.recordVisit(variant: "naive").total == 1)

        try server.stop()
        await #expect(throws: VisitStoreError.self) { try await store.recordVisit(variant: "naive") }
        await #expect(throws: VisitStoreError.self) { try await store.counts() }
        #expect(await !store.isHealthy())

        try server.start()
        // The pool reconnects on its own; each check is bounded by the operation timeout, and the
        // number of checks is bounded too.
        var isHealthy = false
        for _ in 0..<30 where !isHealthy { isHealthy = await store.isHealthy() }
        #expect(isHealthy)
        #expect(try await store.recordVisit(variant: "naive").total == 2)
    }

    @Test func readinessFollowsAFailedWriteUntilTheDatabaseTakesWritesAgain() async throws {
        let server = try PostgresTestServer()
        defer { server.remove() }
        let store = try PostgresVisitStore(url: try PostgresURL(server.url()), operationTimeout: .seconds(5), logger: logger)
        defer { store.close() }
        #expect(try await store.recordVisit(variant: "naive").total == 1)
        #expect(await store.isHealthy())
        // Writes fail while reads work, as on a full disk: a trigger refuses every row change.
        _ = try server.psql("""
            CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$;
            CREATE TRIGGER refuse_writes BEFORE INSERT OR UPDATE ON visit_counts
            FOR EACH ROW EXECUTE FUNCTION refuse_writes();
            """)
        await #expect(throws: VisitStoreError.self) { try await store.recordVisit(variant: "naive") }
        #expect(try await store.counts().total == 1, "reads still work")
        #expect(await !store.isHealthy(), "not ready while writes fail")
        _ = try server.psql("DROP TRIGGER refuse_writes ON visit_counts")
        // Nothing else writes: the health check's own write brings readiness back, changing nothing.
        #expect(await store.isHealthy())
        #expect(try await store.counts() == VisitCounts(total: 1, byVariant: ["naive": 1]))
    }
}
#endif
