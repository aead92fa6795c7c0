import Glibc
import DemoApp

/// DATABASE_URL and its companions, validated; exists only when DATABASE_URL is set.
///
/// DATABASE_URL wins over DATABASE_PATH: the images set DATABASE_PATH in their environment, so
/// refusing the pair would make every PostgreSQL deployment override it first. The start-up log
/// says which store is in use and that DATABASE_PATH is ignored.
struct PostgresSettings {
    /// Where the database is; `description` leaves the password out.
    var url: PostgresURL
    /// From DATABASE_PASSWORD_FILE, which overrides a password in the URL.
    var password: String?
    /// How long start-up keeps trying to reach the database.
    var connectTimeout: Duration
    /// DATABASE_PATH was given too and is not used.
    var isDatabasePathIgnored: Bool

    /// Validates the settings; returns `nil` when DATABASE_URL is empty (SQLite is used).
    /// - Parameters:
    ///   - url: DATABASE_URL's value.
    ///   - passwordFile: DATABASE_PASSWORD_FILE's value; empty for none.
    ///   - connectTimeout: DATABASE_CONNECT_TIMEOUT's value.
    ///   - isDatabasePathGiven: DATABASE_PATH was set by flag or environment.
    /// - Throws: `ConfigurationError` for a malformed URL (never repeating it: it may hold the
    ///   password), an unreadable password file, a bad timeout, or a binary without PostgreSQL.
    init?(url text: String, passwordFile: String, connectTimeout: String, isDatabasePathGiven: Bool) throws {
        guard !text.isEmpty else {
            guard passwordFile.isEmpty else {
                throw ConfigurationError(description: "DATABASE_PASSWORD_FILE (--database-password-file) is set but DATABASE_URL is not")
            }
            return nil
        }
        #if !PostgreSQL
        throw ConfigurationError(
            description: "DATABASE_URL (--database-url) is set, but this demo-server was built without PostgreSQL support "
                + "(build it with `swift build --traits PostgreSQL`, or the image with --build-arg TRAITS=PostgreSQL)")
        #else
        do {
            url = try PostgresURL(text)
        } catch {
            throw ConfigurationError(description: "DATABASE_URL (--database-url) \(error.description)")
        }
        password = passwordFile.isEmpty ? nil : try Self.readPassword(passwordFile)
        self.connectTimeout = try Setting.databaseConnectTimeout.seconds(connectTimeout)
        isDatabasePathIgnored = isDatabasePathGiven
        #endif
    }

    /// The file's contents less one trailing newline (`echo secret > file` and Kubernetes Secrets
    /// created from such files end in one).
    private static func readPassword(_ path: String) throws -> String {
        func failure(_ code: Int32) -> ConfigurationError {
            ConfigurationError(
                description: "DATABASE_PASSWORD_FILE (--database-password-file) '\(path)' cannot be read: \(String(cString: strerror(code)))")
        }
        // O_NONBLOCK: a FIFO with no writer (a path mistaken for the Secret's) fails start-up at
        // once instead of blocking it for ever; a regular file reads as without it.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw failure(errno) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= 65536 {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(errno)
            }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard !bytes.isEmpty, bytes.count <= 65536, let password = String(validating: bytes, as: UTF8.self) else {
            throw ConfigurationError(
                description: "DATABASE_PASSWORD_FILE (--database-password-file) '\(path)' must hold a UTF-8 password of 1 to 65536 bytes")
        }
        return password
    }
}
