import Testing

@testable import DemoApp

/// What libpq is given for a DATABASE_URL: the validated parts keyword by keyword, the password
/// from the file over the URL's, and trusted roots for the verifying modes.
@Suite struct PostgresConnectionParametersTests {
    private static func noEnvironment(_ name: String) -> String? { nil }

    @Test func everyPartOfTheURLBecomesItsLibpqKeyword() throws {
        let url = try PostgresURL("postgres://app%40team:p%40ss@db.example.com:6543/visits%20db?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        let parameters = PostgresConnectionParameters(url: url, environment: Self.noEnvironment)
        #expect(parameters.pairs.map(\.keyword) == ["host", "port", "dbname", "user", "password", "sslmode", "sslrootcert", "application_name", "client_encoding"])
        #expect(parameters["host"] == "db.example.com")
        #expect(parameters["port"] == "6543")
        #expect(parameters["dbname"] == "visits db")
        #expect(parameters["user"] == "app@team")
        #expect(parameters["password"] == "p@ss")
        #expect(parameters["sslmode"] == "verify-full")
        #expect(parameters["sslrootcert"] == "/etc/ca.pem")
    }

    @Test func passwordFromTheFileOverridesTheURLs() throws {
        let url = try PostgresURL("postgres://demo:from-url@db/visits")
        #expect(PostgresConnectionParameters(url: url, password: "from-file", environment: Self.noEnvironment)["password"] == "from-file")
        let withoutPassword = try PostgresURL("postgres://demo@db/visits")
        #expect(PostgresConnectionParameters(url: withoutPassword, environment: Self.noEnvironment)["password"] == nil)
    }

    @Test(arguments: ["verify-ca", "verify-full"])
    func verifyingWithoutSSLRootCertTrustsTheSystemBundle(mode: String) throws {
        let url = try PostgresURL("postgres://demo@db/visits?sslmode=\(mode)")
        let parameters = PostgresConnectionParameters(url: url, environment: Self.noEnvironment)
        #expect(parameters["sslrootcert"] == "/etc/ssl/certs/ca-certificates.crt")
        let system = try PostgresURL("postgres://demo@db/visits?sslmode=\(mode)&sslrootcert=system")
        #expect(PostgresConnectionParameters(url: system, environment: Self.noEnvironment)["sslrootcert"] == "/etc/ssl/certs/ca-certificates.crt")
    }

    @Test func sslCertFileNamesTheSystemBundleElsewhere() throws {
        let url = try PostgresURL("postgres://demo@db/visits?sslmode=verify-full&sslrootcert=system")
        let parameters = PostgresConnectionParameters(url: url) { $0 == "SSL_CERT_FILE" ? "/etc/pki/tls/cert.pem" : nil }
        #expect(parameters["sslrootcert"] == "/etc/pki/tls/cert.pem")
    }

    @Test(arguments: ["disable", "prefer", "require"])
    func modesThatDoNotVerifyNameNoRoots(mode: String) throws {
        let url = try PostgresURL("postgres://demo@db/visits?sslmode=\(mode)")
        let parameters = PostgresConnectionParameters(url: url, environment: Self.noEnvironment)
        #expect(parameters["sslmode"] == mode)
        // libpq's own default applies: ~/.postgresql/root.crt, when it exists.
        #expect(parameters["sslrootcert"] == nil)
    }
}
