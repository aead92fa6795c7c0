/// A `postgres://` connection URL, parsed and checked before anything connects.
///
/// Pure Swift and built into every binary (not only the PostgreSQL one), so a binary without the
/// PostgreSQL trait can still tell a malformed URL from one it merely cannot use.
///
/// The accepted form is libpq's URI (`postgres://user:password@host:port/database?sslmode=...`)
/// restricted to what this store uses: one TCP host, percent-encoded user, password and database,
/// and the query parameters `sslmode` and `sslrootcert`. Anything else is refused with a message
/// naming it, rather than silently ignored.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// How much TLS the URL asks for, with libpq's names and meanings.
    public enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP only.
        case disable
        /// TLS when the server offers it, plain otherwise (libpq's default); the certificate is not checked.
        case prefer
        /// TLS or no connection; the certificate is not checked.
        case require
        /// TLS; the server's certificate must chain to a trusted root, whatever host name it names.
        case verifyCA = "verify-ca"
        /// TLS; the certificate must chain to a trusted root and name the host connected to.
        case verifyFull = "verify-full"
    }

    /// The user to log in as.
    public var user: String
    /// The password in the URL, if any. Never printed: `description` leaves it out.
    public var password: String?
    /// The server's host name or IP address.
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// The database; libpq's default is the user's name.
    public var database: String
    /// How much TLS to insist on.
    public var sslMode: SSLMode
    /// A PEM file of root certificates to trust instead of the system's (`verify-ca`, `verify-full`).
    public var sslRootCertificatePath: String?

    /// The URL without its password, safe to log and to show in errors.
    public var description: String {
        var text = "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
        text += "?sslmode=\(sslMode.rawValue)"
        if let sslRootCertificatePath { text += "&sslrootcert=\(sslRootCertificatePath)" }
        return text
    }

    /// Why a URL was refused; the message never repeats the password.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// What is wrong and what is expected.
        public let description: String
    }

    /// Parses `text`.
    /// - Parameter text: A `postgres://` or `postgresql://` URL.
    /// - Throws: `ParseError` saying what is wrong.
    public init(_ text: String) throws(ParseError) {
        func fail(_ message: String) -> ParseError { ParseError(description: message) }
        var rest: Substring
        if text.hasPrefix("postgres://") {
            rest = text.dropFirst("postgres://".count)
        } else if text.hasPrefix("postgresql://") {
            rest = text.dropFirst("postgresql://".count)
        } else {
            throw fail("must start with postgres:// or postgresql://")
        }
        guard !text.utf8.contains(where: { $0 < 0x21 || $0 == 0x7F }) else {
            throw fail("must not contain spaces or control characters (percent-encode them)")
        }

        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard !rest.contains("#") else { throw fail("must not have a #fragment") }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        // The user information ends at the last '@': a password may not contain a raw '@' by the
        // RFC 3986 grammar, but people type them, and the host never has one.
        guard let at = rest.lastIndex(of: "@") else {
            throw fail("must name a user, as in postgres://user@host:5432/database")
        }
        let userInfo = rest[..<at]
        let hostPort = rest[rest.index(after: at)...]

        let rawUser: Substring
        var password: String?
        if let colon = userInfo.firstIndex(of: ":") {
            rawUser = userInfo[..<colon]
            guard let decoded = Self.percentDecoded(userInfo[userInfo.index(after: colon)...]) else {
                throw fail("has a malformed percent-encoding in the password")
            }
            password = decoded
        } else {
            rawUser = userInfo
        }
        guard let user = Self.percentDecoded(rawUser), !user.isEmpty else {
            throw fail("must name a user, as in postgres://user@host:5432/database")
        }

        var host: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw fail("has an unclosed [ in the IPv6 host") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("has text after the IPv6 host") }
                portText = after.dropFirst()
            }
        } else {
            host = hostPort
            if let colon = hostPort.firstIndex(of: ":") {
                host = hostPort[..<colon]
                portText = hostPort[hostPort.index(after: colon)...]
            }
        }
        guard !host.isEmpty else {
            throw fail("must name a host (Unix sockets are not supported), as in postgres://user@host:5432/database")
        }
        guard !host.contains(","), portText?.contains(",") != true else {
            throw fail("must name one host; several hosts are not supported")
        }
        var port = 5432
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw fail("has port '\(portText)'; expected a number from 1 to 65535")
            }
            port = value
        }

        guard let database = Self.percentDecoded(path), !path.contains("/") else {
            throw fail("has a malformed database name")
        }

        var sslMode = SSLMode.prefer
        var rootCertificate: String?
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let value = Self.percentDecoded(parts[1]) else {
                throw fail("has a malformed query parameter '\(pair)'")
            }
            switch parts[0] {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    let modes = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw fail("has sslmode '\(value)'; expected one of \(modes)")
                }
                sslMode = mode
            case "sslrootcert":
                guard !value.isEmpty else { throw fail("has an empty sslrootcert") }
                rootCertificate = value
            default:
                throw fail("has parameter '\(parts[0])', which this server does not support (it knows sslmode and sslrootcert)")
            }
        }
        if rootCertificate != nil, sslMode != .verifyCA, sslMode != .verifyFull {
            throw fail("has sslrootcert, which only sslmode=verify-ca or verify-full use")
        }

        self.user = user
        self.password = password
        self.host = String(host)
        self.port = port
        self.database = database.isEmpty ? user : database
        self.sslMode = sslMode
        self.sslRootCertificatePath = rootCertificate
    }

    /// `%XX` decoded, or `nil` when an escape is malformed or the result is not UTF-8.
    private static func percentDecoded(_ text: Substring) -> String? {
        text.utf8.percentDecoded.flatMap { String(validating: $0, as: UTF8.self) }
    }
}
