import Foundation
import Synchronization
import Testing
import TestSupport

#if PostgreSQL
/// The real `demo-server` binary on a real PostgreSQL: several processes on one database, a
/// process killed mid-load, the database stopped and started again mid-load, start-up failures.
/// Skipped with a note when PostgreSQL's binaries are missing (see `PostgresTestServer`).
@Suite(.serialized, .enabled(if: PostgresTestServer.isAvailable, "needs PostgreSQL's binaries"))
struct PostgresServerTests {
    @Test func threeProcessesOnOneDatabaseCountEveryOneOf600ConcurrentVisits() throws {
        let url = try PostgresTestServer.shared.makeDatabase()
        let replicas = try startReplicas(3, url: url)
        defer { for replica in replicas { replica.cleanUp() } }

        let load = Load(ports: replicas.map(\.port), workers: 30, requestsPerWorker: 20)
        load.wait()
        #expect(load.acknowledged == 600, "statuses: \(load.statuses)")
        for replica in replicas {
            let counts = try TestClient.get(port: replica.port, "/api/visits")
            #expect(counts.text == "{\"total\":600,\"byVariant\":{\"pg\":600}}\n")
        }
    }

    @Test func sigkillOfOneProcessMidLoadLosesNoAcknowledgedVisit() throws {
        let url = try PostgresTestServer.shared.makeDatabase()
        let replicas = try startReplicas(3, url: url)
        defer { for replica in replicas { replica.cleanUp() } }

        let load = Load(ports: replicas.map(\.port), workers: 30, requestsPerWorker: 20)
        load.waitUntilAcknowledged(150)
        #expect(replicas[1].stop(signal: SIGKILL) == SIGKILL)
        load.wait()

        let counted = try total(port: replicas[0].port)
        // Every 201 was committed before it was sent. A request the kill cut off after its commit
        // but before its answer is counted without having been acknowledged: at most those.
        #expect(counted >= load.acknowledged)
        #expect(counted <= load.acknowledged + load.unanswered)
        #expect(load.acknowledged >= 150)
        #expect(load.statuses.keys.allSatisfy { $0 == 201 }, "answers other than 201: \(load.statuses)")
    }

    @Test func databaseRestartMidLoadAnswers503ThenRecoversWithoutRestartingTheServer() throws {
        let database = try PostgresTestServer()
        defer { database.remove() }
        let replica = try ServerProcess()
        defer { replica.cleanUp() }
        try replica.start(environment: ["DATABASE_URL": database.url(), "IMAGE_VARIANT": "pg", "ACCESS_LOG": "off"])
        let load = Load(ports: [replica.port], workers: 4, requestsPerWorker: 150)
        load.waitUntilAcknowledged(40)

        try database.stop()
        // While it is down: visits get 503 with a JSON error and readiness turns 503. Each probe
        // is answered within the store's operation timeout; the loops are bounded.
        var refused: TestResponse?
        for _ in 0..<20 where refused == nil {
            let answer = try TestClient.post(port: replica.port, "/api/visits", json: "{}")
            if answer.status == 503 { refused = answer }
        }
        #expect(refused?.header("content-type") == "application/json")
        #expect(refused?.text == "{\"error\":\"the visit store is unavailable\"}\n")
        #expect(try TestClient.get(port: replica.port, "/readyz").status == 503)
        #expect(try TestClient.get(port: replica.port, "/healthz").status == 200)
        let acknowledgedWhileDown = load.acknowledged

        try database.start()
        var isReady = false
        for _ in 0..<30 where !isReady { isReady = try TestClient.get(port: replica.port, "/readyz").status == 200 }
        #expect(isReady)
        load.wait()

        #expect(replica.process.isRunning, "the server recovered without a restart")
        #expect(load.acknowledged > acknowledgedWhileDown, "visits are acknowledged again after the database returned")
        #expect(load.statuses.keys.allSatisfy { $0 == 201 || $0 == 503 }, "answers: \(load.statuses)")
        let counted = try total(port: replica.port)
        // Nothing acknowledged was lost; a 503 whose statement had reached the server as it went
        // down may have been counted, never the reverse.
        #expect(counted >= load.acknowledged)
        #expect(counted <= load.acknowledged + load.statuses[503, default: 0] + 1)
    }

    @Test func unreachableDatabaseAtStartExitsOneAfterBoundedRetry() throws {
        let stopped = try PostgresTestServer()
        stopped.remove()
        let replica = try ServerProcess()
        defer { replica.cleanUp() }
        let status = try replica.runToExit(
            [],
            environment: [
                "DATABASE_URL": "postgres://demo:pw-not-logged@127.0.0.1:\(stopped.port)/visits?sslmode=disable",
                "DATABASE_CONNECT_TIMEOUT": "1", "PORT": "0",
            ])
        #expect(status == 1)
        let lastLine = replica.standardError.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastLine.hasPrefix("demo-server: DATABASE_URL: cannot open visit database 'postgres://demo@127.0.0.1:\(stopped.port)/visits?sslmode=disable'"))
        #expect(lastLine.contains("gave up after"))
        #expect(replica.standardError.contains("retrying"), "each failed attempt is logged: \(replica.standardError)")
        #expect(!(replica.standardError + replica.standardOutput).contains("pw-not-logged"))
    }

    @Test(arguments: [
        (["DATABASE_URL": "postgres://demo:pw-not-logged@db:99999/visits"], "DATABASE_URL (--database-url) has port '99999'; expected a number from 1 to 65535"),
        (["DATABASE_URL": "http://demo:pw-not-logged@db/visits"], "DATABASE_URL (--database-url) must start with postgres:// or postgresql://"),
        (["DATABASE_URL": "postgres://demo@db/visits?sslmode=on"], "DATABASE_URL (--database-url) has sslmode 'on'"),
        (["DATABASE_URL": "postgres://demo@db/visits", "DATABASE_CONNECT_TIMEOUT": "0"], "DATABASE_CONNECT_TIMEOUT (--database-connect-timeout)"),
        (["DATABASE_URL": "postgres://demo@db/visits", "DATABASE_PASSWORD_FILE": "/nonexistent/pw"], "DATABASE_PASSWORD_FILE (--database-password-file) '/nonexistent/pw' cannot be read: No such file or directory"),
        (["DATABASE_PASSWORD_FILE": "/run/secrets/pw"], "DATABASE_PASSWORD_FILE (--database-password-file) is set but DATABASE_URL is not"),
    ])
    func badDatabaseSettingsStopWithOneLineAndExit64(environment: [String: String], message: String) throws {
        let replica = try ServerProcess()
        defer { replica.cleanUp() }
        #expect(try replica.runToExit([], environment: environment) == 64)
        #expect(replica.standardError.split(separator: "\n").count == 1, "one line: \(replica.standardError)")
        #expect(replica.standardError.contains(message), "got: \(replica.standardError)")
        #expect(!replica.standardError.contains("pw-not-logged"))
    }

    // MARK: - Helpers

    private func startReplicas(_ count: Int, url: String) throws -> [ServerProcess] {
        var replicas: [ServerProcess] = []
        do {
            for _ in 0..<count {
                let replica = try ServerProcess()
                replicas.append(replica)
                try replica.start(environment: ["DATABASE_URL": url, "IMAGE_VARIANT": "pg", "ACCESS_LOG": "off"])
            }
        } catch {
            for replica in replicas { replica.cleanUp() }
            throw error
        }
        return replicas
    }

    private func total(port: Int) throws -> Int {
        let body = try TestClient.get(port: port, "/api/visits").text
        guard let range = body.range(of: "\"total\":"), let total = Int(body[range.upperBound...].prefix { $0.isNumber }) else {
            throw ServerProcessError("no total in \(body)")
        }
        return total
    }
}

/// Concurrent `POST /api/visits` from plain threads, each its own connection, spread round-robin
/// over `ports`; bounded by `workers × requestsPerWorker`.
private final class Load: Sendable {
    private struct Tally {
        var statuses: [Int: Int] = [:]
        /// Requests that got no answer (connection refused or cut).
        var unanswered = 0
    }

    private let tally = Mutex(Tally())
    private let group = DispatchGroup()

    init(ports: [Int], workers: Int, requestsPerWorker: Int) {
        for worker in 0..<workers {
            group.enter()
            let thread = Thread { [self] in
                for index in 0..<requestsPerWorker {
                    let port = ports[(worker + index) % ports.count]
                    do {
                        let answer = try TestClient.post(port: port, "/api/visits", json: "{\"variant\":\"pg\"}")
                        tally.withLock { $0.statuses[answer.status, default: 0] += 1 }
                    } catch {
                        tally.withLock { $0.unanswered += 1 }
                    }
                }
                group.leave()
            }
            thread.start()
        }
    }

    var statuses: [Int: Int] { tally.withLock { $0.statuses } }
    var acknowledged: Int { statuses[201, default: 0] }
    var unanswered: Int { tally.withLock { $0.unanswered } }

    /// Waits for every worker to finish (each request has the client's 10 s timeout).
    func wait() { group.wait() }

    /// Waits until `count` visits were acknowledged, or the load ended.
    func waitUntilAcknowledged(_ count: Int) {
        while acknowledged < count, group.wait(timeout: .now() + .milliseconds(5)) == .timedOut {}
    }
}
#else
/// Without the PostgreSQL trait, DATABASE_URL is refused at start-up rather than ignored.
@Suite struct DatabaseURLWithoutPostgreSQLTests {
    @Test func databaseURLToABinaryWithoutPostgreSQLStopsWithExit64() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let status = try server.runToExit([], environment: ["DATABASE_URL": "postgres://demo:pw-not-logged@db:5432/visits"])
        #expect(status == 64)
        #expect(server.standardError.split(separator: "\n").count == 1)
        #expect(server.standardError.contains("DATABASE_URL (--database-url) is set, but this demo-server was built without PostgreSQL support"))
        #expect(!server.standardError.contains("pw-not-logged"))
    }
}
#endif
