import Foundation
import Synchronization

/// A real PostgreSQL on 127.0.0.1 for tests, run by `scripts/postgres-test-server.sh`.
///
/// `shared` is one server per test process, started on first use and stopped when the process
/// exits; each test takes its own database from it (`makeDatabase()`), so tests run in parallel
/// without seeing each other's visits. Tests that stop the database start a private one
/// (`PostgresTestServer()`), which they stop themselves.
///
/// Without PostgreSQL's binaries these tests are skipped with a note, unless
/// `REQUIRE_POSTGRES_TESTS=1` (CI), where they fail instead.
package final class PostgresTestServer: Sendable {
    /// Where the data directory and the log live.
    package let directory: String
    /// The server's port on 127.0.0.1.
    package let port: Int

    /// Whether the tests that need PostgreSQL should run: its binaries are installed, or CI
    /// requires them (then a missing server fails the tests instead of skipping them).
    package static let isAvailable: Bool = {
        if ProcessInfo.processInfo.environment["REQUIRE_POSTGRES_TESTS"] == "1" { return true }
        let available = (try? runScript(["available"])) != nil
        if !available {
            print("note: PostgreSQL tests skipped: no PostgreSQL binaries (apt-get install postgresql, or set REQUIRE_POSTGRES_TESTS=1 to make this a failure)")
        }
        return available
    }()

    /// The server shared by this test process; stopped at exit.
    package static var shared: PostgresTestServer {
        get throws {
            try sharedServer.get()
        }
    }

    private static let sharedServer: Result<PostgresTestServer, any Error> = Result {
        let server = try PostgresTestServer()
        sharedDirectory.withLock { $0 = server.directory }
        atexit {
            guard let directory = PostgresTestServer.sharedDirectory.withLock({ $0 }) else { return }
            _ = try? PostgresTestServer.runScript(["stop", directory + "/cluster", "immediate"])
            try? FileManager.default.removeItem(atPath: directory)
        }
        return server
    }

    private static let sharedDirectory = Mutex<String?>(nil)

    /// The server's certificate and key (PEM files), when it accepts TLS.
    package let tls: (certificate: String, key: String)?

    /// Creates a cluster in a new temporary directory on a free port and starts it.
    /// - Parameter tls: A certificate and key (PEM files) to accept TLS with; none by default.
    package init(tls: (certificate: String, key: String)? = nil) throws {
        self.tls = tls
        directory = NSTemporaryDirectory() + "postgres-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // As root the server runs as `postgres`, which must be able to reach the cluster directory.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        port = try LoopbackPort.free()
        try start()
    }

    /// `postgres://postgres@127.0.0.1:PORT/DATABASE?sslmode=disable`.
    package func url(database: String = "postgres") -> String {
        "postgres://postgres@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// Starts the server (again, after `stop`), on the same port and data.
    package func start() throws {
        try Self.runScript(["start", directory + "/cluster", "\(port)"] + (tls.map { [$0.certificate, $0.key] } ?? []))
    }

    /// Stops the server: `fast` disconnects clients and shuts down cleanly; `immediate` is a crash.
    package func stop(mode: String = "fast") throws {
        try Self.runScript(["stop", directory + "/cluster", mode])
    }

    /// Stops the server and removes its files.
    package func remove() {
        try? stop(mode: "immediate")
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A new, empty database on this server, for one test.
    /// - Returns: Its URL.
    package func makeDatabase() throws -> String {
        let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_")
        try psql("CREATE DATABASE \(name)")
        return url(database: name)
    }

    /// Runs one SQL command with `psql` as the superuser.
    /// - Parameters:
    ///   - sql: The command.
    ///   - database: The database to run it in.
    ///   - url: The connection URL, when not this server's plain one.
    /// - Returns: What psql printed (unaligned, tuples only).
    @discardableResult
    package func psql(_ sql: String, database: String = "postgres", url: String? = nil) throws -> String {
        try Self.run("/usr/bin/env", ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql, url ?? self.url(database: database)])
    }

    /// Runs a command to its end (see `run`), e.g. `openssl` to make test certificates.
    /// - Returns: What it printed on standard output.
    @discardableResult
    package static func runTool(_ executable: String, _ arguments: [String]) throws -> String {
        try run(executable, arguments)
    }

    // MARK: - Processes

    @discardableResult
    package static func runScript(_ arguments: [String]) throws -> String {
        try run("/bin/bash", [scriptPath] + arguments)
    }

    private static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/postgres-test-server.sh").path
    }

    /// Runs a command to its end with posix_spawn and waitpid, its output going to files.
    ///
    /// The child gets only stdin, stdout and stderr: every other descriptor is closed at exec.
    /// `pg_ctl start` leaves a postmaster running, which keeps whatever it inherited open for as
    /// long as it runs (the shared server: until the test process exits). Tests running in
    /// parallel hold descriptors that are not close-on-exec: Foundation's `Pipe` (plain `pipe()`)
    /// between a `ServerProcess`'s creation and its launch, and the socket `Process` learns a
    /// child's exit from. A postmaster holding a pipe's write end made `readDataToEndOfFile` wait
    /// for ever; holding that socket made `waitUntilExit` never return although the child had
    /// exited. (Foundation's `Process` is not used here for that second reason.)
    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let outputPath = NSTemporaryDirectory() + "postgres-test-command-" + UUID().uuidString
        defer {
            unlink(outputPath + ".out")
            unlink(outputPath + ".err")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, outputPath + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let closing = try addCloseFrom(&actions, 3)
        guard closing == 0 else { throw PostgresTestServerError("posix_spawn_file_actions_addclosefrom_np: error \(closing)") }
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "/usr/lib/postgresql/15/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw PostgresTestServerError("posix_spawn \(executable): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw PostgresTestServerError("waitpid: errno \(errno)") }
        }
        let printed = (try? String(contentsOfFile: outputPath + ".out", encoding: .utf8)) ?? ""
        let complaint = (try? String(contentsOfFile: outputPath + ".err", encoding: .utf8)) ?? ""
        // WIFEXITED and WEXITSTATUS are macros Swift does not import.
        let exitedNormally = status & 0x7f == 0
        let exitStatus = (status >> 8) & 0xff
        guard exitedNormally, exitStatus == 0 else {
            throw PostgresTestServerError(
                "\(([executable] + arguments).joined(separator: " ")) exited with status \(status): \(complaint)")
        }
        return printed.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which the Glibc module
    /// does not import: it closes every descriptor from the given one up in the child, with no
    /// window for a descriptor another thread opens meanwhile (as a list of `addclose` would have).
    private static var addCloseFrom: AddCloseFrom {
        get throws {
            guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
                throw PostgresTestServerError("posix_spawn_file_actions_addclosefrom_np not found (needs glibc 2.34 or later)")
            }
            return unsafeBitCast(symbol, to: AddCloseFrom.self)
        }
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
}

package struct PostgresTestServerError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
