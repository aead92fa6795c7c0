import Testing

@testable import DemoApp

@Suite struct PostgresURLTests {
    @Test func fullURLIsParsedAndDecoded() throws {
        let url = try PostgresURL("postgres://app%40team:p%40ss:w%2Frd@db.example.com:6543/visits%20db?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        #expect(url.user == "app@team")
        #expect(url.password == "p@ss:w/rd")
        #expect(url.host == "db.example.com")
        #expect(url.port == 6543)
        #expect(url.database == "visits db")
        #expect(url.sslMode == .verifyFull)
        #expect(url.sslRootCertificatePath == "/etc/ca.pem")
    }

    @Test func defaultsFollowLibpq() throws {
        let url = try PostgresURL("postgresql://demo@127.0.0.1")
        #expect(url.port == 5432)
        #expect(url.database == "demo")
        #expect(url.sslMode == .prefer)
        #expect(url.password == nil)
    }

    @Test func ipv6HostInBrackets() throws {
        let url = try PostgresURL("postgres://demo@[::1]:5433/visits?sslmode=disable")
        #expect(url.host == "::1")
        #expect(url.port == 5433)
        #expect(url.description == "postgres://demo@[::1]:5433/visits?sslmode=disable")
    }

    @Test func descriptionLeavesThePasswordOut() throws {
        let url = try PostgresURL("postgres://demo:hunter2@db:5432/visits?sslmode=require")
        #expect(url.description == "postgres://demo@db:5432/visits?sslmode=require")
        #expect(!"\(url)".contains("hunter2"))
    }

    @Test(arguments: [
        ("mysql://demo@db/visits", "must start with postgres:// or postgresql://"),
        ("postgres://db:5432/visits", "must name a user, as in postgres://user@host:5432/database"),
        ("postgres://demo@:5432/visits", "must name a host (Unix sockets are not supported), as in postgres://user@host:5432/database"),
        ("postgres://demo@db:99999/visits", "has port '99999'; expected a number from 1 to 65535"),
        ("postgres://demo@db:abc/visits", "has port 'abc'; expected a number from 1 to 65535"),
        ("postgres://demo@a,b/visits", "must name one host; several hosts are not supported"),
        ("postgres://demo@db/visits?sslmode=sometimes", "has sslmode 'sometimes'; expected one of disable, prefer, require, verify-ca, verify-full"),
        ("postgres://demo@db/visits?connect_timeout=5", "has parameter 'connect_timeout', which this server does not support (it knows sslmode and sslrootcert)"),
        ("postgres://demo@db/visits?sslrootcert=/ca.pem", "has sslrootcert, which only sslmode=verify-ca or verify-full use"),
        ("postgres://demo@db/a/b", "has a malformed database name"),
        ("postgres://demo@db/visits name", "must not contain spaces or control characters (percent-encode them)"),
    ])
    func malformedURLsAreRefusedWithAReason(text: String, reason: String) {
        #expect(throws: PostgresURL.ParseError(description: reason)) { try PostgresURL(text) }
    }

    @Test func aBadPasswordEscapeIsRefusedWithoutRepeatingThePassword() {
        do {
            _ = try PostgresURL("postgres://demo:sec%zzret@db/visits")
            Issue.record("accepted a malformed escape")
        } catch {
            #expect(error.description == "has a malformed percent-encoding in the password")
        }
    }
}
