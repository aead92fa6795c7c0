#if PostgreSQL
import Foundation
import Logging
import Testing
import TestSupport

@testable import DemoApp

/// TLS as libpq does it, against a real server whose certificate is signed by a CA this test makes
/// with the openssl command: `sslmode=verify-full` with `sslrootcert=` in DATABASE_URL, read the
/// way libpq and psql read it, connects; a foreign CA or a host name the certificate does not
/// name is refused. Skipped with a note when PostgreSQL's binaries are missing.
@Suite(.serialized, .enabled(if: PostgresTestServer.isAvailable, "needs PostgreSQL's binaries"))
struct PostgresConnectionTests {
    private let logger = Logger(label: "PostgresConnectionTests") { _ in SwiftLogNoOpLogHandler() }

    /// A CA, a server certificate for `localhost` signed by it, and a second CA that signed nothing.
    struct Certificates {
        let directory: String
        var authority: String { directory + "/ca.crt" }
        var foreignAuthority: String { directory + "/foreign-ca.crt" }
        var server: (certificate: String, key: String) { (directory + "/server.crt", directory + "/server.key") }

        init() throws {
            directory = NSTemporaryDirectory() + "postgres-tls-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            for name in ["ca", "foreign-ca"] {
                try openssl(["req", "-x509"] + key + ["-days", "2", "-subj", "/CN=\(name) for tests",
                    "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).crt"])
            }
            try openssl(["req"] + key + ["-subj", "/CN=localhost", "-keyout", server.key, "-out", "\(directory)/server.csr"])
            try "subjectAltName = DNS:localhost\n".write(toFile: "\(directory)/server.ext", atomically: true, encoding: .utf8)
            try openssl([
                "x509", "-req", "-in", "\(directory)/server.csr", "-CA", authority, "-CAkey", "\(directory)/ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", "\(directory)/server.ext", "-out", server.certificate,
            ])
            // The server runs as `postgres` and must read its files; the key is copied private.
            chmod(directory, 0o755)
            for file in ["ca.crt", "foreign-ca.crt", "server.crt", "server.key"] { chmod("\(directory)/\(file)", 0o644) }
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }

        private func openssl(_ arguments: [String]) throws {
            try PostgresTestServer.runTool("/usr/bin/env", ["openssl"] + arguments)
        }
    }

    @Test func verifyFullWithTheSigningCAConnectsOverTLSAsPsqlDoes() async throws {
        let certificates = try Certificates()
        defer { certificates.remove() }
        let server = try PostgresTestServer(tls: certificates.server)
        defer { server.remove() }
        let text = "postgres://postgres@localhost:\(server.port)/postgres?sslmode=verify-full&sslrootcert=\(certificates.authority)"

        // The same URL, as psql reads it.
        #expect(try server.psql("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", url: text) == "t")

        let store = try PostgresVisitStore(url: try PostgresURL(text), connectTimeout: .seconds(10), logger: logger)
        defer { store.close() }
        #expect(try await store.recordVisit(variant: "tls").total == 1)
        let encrypted = try server.psql(
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE application_name = 'demo-server' AND ssl")
        #expect(encrypted == "1")
    }

    @Test func verifyFullWithAForeignCAIsRefused() throws {
        let certificates = try Certificates()
        defer { certificates.remove() }
        let server = try PostgresTestServer(tls: certificates.server)
        defer { server.remove() }
        let url = try PostgresURL(
            "postgres://postgres@localhost:\(server.port)/postgres?sslmode=verify-full&sslrootcert=\(certificates.foreignAuthority)")
        #expect {
            try PostgresVisitStore(url: url, connectTimeout: .seconds(3), logger: logger)
        } throws: { error in
            (error as? VisitStoreError)?.kind == .open && "\(error)".contains("certificate verify failed")
        }
        // psql, given the same URL, refuses too.
        #expect(throws: PostgresTestServerError.self) { try server.psql("SELECT 1", url: "\(url)") }
    }

    @Test func verifyFullRefusesAHostTheCertificateDoesNotNameButVerifyCAAccepts() async throws {
        let certificates = try Certificates()
        defer { certificates.remove() }
        let server = try PostgresTestServer(tls: certificates.server)
        defer { server.remove() }
        let byAddress = "postgres://postgres@127.0.0.1:\(server.port)/postgres?sslrootcert=\(certificates.authority)&sslmode="
        #expect {
            try PostgresVisitStore(url: try PostgresURL(byAddress + "verify-full"), connectTimeout: .seconds(3), logger: logger)
        } throws: { error in
            "\(error)".contains("does not match host name \"127.0.0.1\"")
        }
        let store = try PostgresVisitStore(url: try PostgresURL(byAddress + "verify-ca"), connectTimeout: .seconds(10), logger: logger)
        defer { store.close() }
        #expect(try await store.recordVisit(variant: "tls").total == 1)
    }
}
#endif
