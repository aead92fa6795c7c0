import Foundation
import Testing
import TestSupport

#if PostgreSQL
/// DATABASE_PASSWORD_FILE, as a Kubernetes Secret mounts it: the password logs in (checked by a
/// server that demands it, not the test server's trust authentication), a trailing newline is not
/// part of it, it never reaches a log, and a file that cannot serve stops start-up with one line.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs PostgreSQL's binaries"))
struct PostgresPasswordFileTests {
    private static let role = "demo_password_file"
    private static let password = "file-pw-not-logged"

    @Test func passwordFromAFileWithATrailingNewlineLogsInAndIsNeverLogged() throws {
        let database = try Self.serverDemandingPassword()
        defer { database.remove() }
        let replica = try ServerProcess()
        defer { replica.cleanUp() }
        let passwordFile = replica.directory + "/password"
        // `echo pw > file` and `kubectl create secret --from-file` both leave the newline in.
        try (Self.password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)

        try replica.start(environment: [
            "DATABASE_URL": "postgres://\(Self.role)@127.0.0.1:\(database.port)/postgres?sslmode=disable",
            "DATABASE_PASSWORD_FILE": passwordFile, "LOG_LEVEL": "trace", "IMAGE_VARIANT": "pg",
        ])
        #expect(try TestClient.post(port: replica.port, "/api/visits", json: "{}").status == 201)
        #expect(replica.stop() == 0)
        #expect(!(replica.standardOutput + replica.standardError).contains(Self.password))
        // The URL carries `=`, so the text log quotes it (a value cannot forge a field).
        #expect(replica.standardOutput.contains("database=\"postgres://\(Self.role)@127.0.0.1:\(database.port)/postgres?sslmode=disable\""))
    }

    @Test func wrongPasswordInTheFileExitsOneNamingTheRefusal() throws {
        let database = try Self.serverDemandingPassword()
        defer { database.remove() }
        let replica = try ServerProcess()
        defer { replica.cleanUp() }
        let passwordFile = replica.directory + "/password"
        try "wrong-pw-not-logged\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)

        let status = try replica.runToExit([], environment: [
            "DATABASE_URL": "postgres://\(Self.role)@127.0.0.1:\(database.port)/postgres?sslmode=disable",
            "DATABASE_PASSWORD_FILE": passwordFile, "DATABASE_CONNECT_TIMEOUT": "1", "PORT": "0",
        ])
        #expect(status == 1)
        let lastLine = replica.standardError.split(separator: "\n").last.map(String.init) ?? ""
        // The server's own words, as libpq reports them (SQLSTATE 28P01, invalid_password).
        #expect(lastLine.contains("password authentication failed for user \"\(Self.role)\""), "got: \(replica.standardError)")
        #expect(!(replica.standardOutput + replica.standardError).contains("wrong-pw-not-logged"))
    }

    @Test(arguments: [
        ("", "must hold a UTF-8 password of 1 to 65536 bytes"),
        ("\n", "must hold a UTF-8 password of 1 to 65536 bytes"),
    ])
    func emptyPasswordFileStopsWithOneLineAndExit64(contents: String, message: String) throws {
        let replica = try ServerProcess()
        defer { replica.cleanUp() }
        let passwordFile = replica.directory + "/password"
        try contents.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        #expect(try replica.runToExit([], environment: Self.settings(passwordFile: passwordFile)) == 64)
        #expect(replica.standardError == "demo-server: DATABASE_PASSWORD_FILE (--database-password-file) '\(passwordFile)' \(message)\n")
    }

    @Test func passwordFileThatIsADirectoryStopsWithOneLineAndExit64() throws {
        let replica = try ServerProcess()
        defer { replica.cleanUp() }
        #expect(try replica.runToExit([], environment: Self.settings(passwordFile: replica.directory)) == 64)
        #expect(replica.standardError.split(separator: "\n").count == 1)
        #expect(replica.standardError.contains("DATABASE_PASSWORD_FILE (--database-password-file) '\(replica.directory)' cannot be read: Is a directory"))
    }

    @Test func passwordFileThatIsAFIFOWithNoWriterStopsWithOneLineInsteadOfBlocking() throws {
        let replica = try ServerProcess()
        defer { replica.cleanUp() }
        let passwordFile = replica.directory + "/password"
        try #require(mkfifo(passwordFile, 0o600) == 0)
        #expect(try replica.runToExit([], environment: Self.settings(passwordFile: passwordFile)) == 64)
        #expect(replica.standardError == "demo-server: DATABASE_PASSWORD_FILE (--database-password-file) '\(passwordFile)' must hold a UTF-8 password of 1 to 65536 bytes\n")
    }

    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "switching users needs root and setpriv"))
    func unreadablePasswordFileStopsWithOneLineAndExit64() throws {
        let replica = try ServerProcess()
        defer { replica.cleanUp() }
        let passwordFile = replica.directory + "/password"
        try "secret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile)
        replica.launcher = ["/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]
        #expect(try replica.runToExit([], environment: Self.settings(passwordFile: passwordFile)) == 64)
        #expect(replica.standardError.split(separator: "\n").count == 1)
        #expect(replica.standardError.contains("DATABASE_PASSWORD_FILE (--database-password-file) '\(passwordFile)' cannot be read: Permission denied"))
    }

    // MARK: - Helpers

    private static func settings(passwordFile: String) -> [String: String] {
        ["DATABASE_URL": "postgres://demo@db.invalid/visits", "DATABASE_PASSWORD_FILE": passwordFile, "PORT": "0"]
    }

    /// A private server on which `role` logs in over TCP only with `password` (SCRAM); everyone
    /// else keeps trust authentication. Written before the server starts, so no reload to wait for.
    private static func serverDemandingPassword() throws -> PostgresTestServer {
        let database = try PostgresTestServer()
        do {
            try database.psql("CREATE ROLE \(role) LOGIN PASSWORD '\(password)'; GRANT ALL ON SCHEMA public TO \(role)")
            try database.stop()
            let rules = database.directory + "/cluster/data/pg_hba.conf"
            let existing = try String(contentsOfFile: rules, encoding: .utf8)
            // pg_hba.conf is read top down; the first matching line decides.
            try ("host all \(role) 127.0.0.1/32 scram-sha-256\n" + existing).write(toFile: rules, atomically: false, encoding: .utf8)
            try database.start()
        } catch {
            database.remove()
            throw error
        }
        return database
    }
}
#endif
