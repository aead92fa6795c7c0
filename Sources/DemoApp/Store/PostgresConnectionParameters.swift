import Glibc

/// libpq's connection keywords for a `PostgresURL`: what `PQconnectStartParams` is given.
///
/// The URL is parsed and validated by `PostgresURL` first (so a malformed one is refused with a
/// message at start-up, exit 64), then handed to libpq keyword by keyword rather than as a URI
/// string: nothing needs escaping, and libpq sees exactly the values that were validated. Pure
/// Swift and built into every binary, so its tests run without the PostgreSQL trait.
public struct PostgresConnectionParameters: Sendable, Equatable {
    /// The keyword/value pairs, in the order libpq is given them.
    public var pairs: [(keyword: String, value: String)]

    /// Where libpq looks for trusted roots when `sslmode=verify-ca`/`verify-full` names no
    /// `sslrootcert`, or names `system`: OpenSSL's `SSL_CERT_FILE` when set, else the bundle
    /// Debian, Ubuntu and Alpine keep at this path (the PostgreSQL image ships it there).
    ///
    /// libpq 15 itself would read `~/.postgresql/root.crt` and has no `sslrootcert=system` (16
    /// added it); the store keeps the earlier behaviour of this server instead: verify against
    /// the system's roots unless told otherwise.
    public static let systemRootCertificatesPath = "/etc/ssl/certs/ca-certificates.crt"

    /// The parameters for `url`.
    /// - Parameters:
    ///   - url: The validated URL.
    ///   - password: A password from DATABASE_PASSWORD_FILE; overrides the URL's.
    ///   - environment: Reads an environment variable (`SSL_CERT_FILE`); injectable for tests.
    public init(url: PostgresURL, password: String? = nil, environment: (String) -> String? = Self.processEnvironment) {
        var pairs: [(String, String)] = [
            ("host", url.host),
            ("port", "\(url.port)"),
            ("dbname", url.database),
            ("user", url.user),
        ]
        if let password = password ?? url.password { pairs.append(("password", password)) }
        pairs.append(("sslmode", url.sslMode.rawValue))
        if url.sslMode == .verifyCA || url.sslMode == .verifyFull {
            var rootCertificates = url.sslRootCertificatePath ?? "system"
            if rootCertificates == "system" {
                rootCertificates = environment("SSL_CERT_FILE").flatMap { $0.isEmpty ? nil : $0 } ?? Self.systemRootCertificatesPath
            }
            pairs.append(("sslrootcert", rootCertificates))
        }
        // Seen in pg_stat_activity, so a DBA can tell this service's sessions from others'.
        pairs.append(("application_name", "demo-server"))
        // Counts and variants are ASCII, but error messages need not be: ask for UTF-8 whatever
        // the server's default.
        pairs.append(("client_encoding", "UTF8"))
        self.pairs = pairs
    }

    /// The value of one keyword, if given.
    /// - Parameter keyword: A libpq keyword, e.g. `sslrootcert`.
    /// - Returns: Its value.
    public subscript(keyword: String) -> String? {
        pairs.first { $0.keyword == keyword }?.value
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.keyword == $1.keyword && $0.value == $1.value }
    }

    /// The process's environment, through `getenv`.
    public static func processEnvironment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
