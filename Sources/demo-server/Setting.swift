import Glibc
import HTTPServer

/// Every setting: its environment variable, flag and default, in one table (as the README's).
enum Setting: String, CaseIterable {
    case port, host, databasePath, databaseUrl, databasePasswordFile, databaseConnectTimeout, publicDir, tutorialPath, imageVariant, logLevel, logFormat, accessLog, logBufferLines
    case shutdownTimeout, eventLoops, maxConnections, maxBodySize, maxHeaderBytes, maxHeaderCount
    case maxRequestLine, headerTimeout, bodyTimeout, idleTimeout, writeTimeout
    case minRequestBodyRate, minRequestBodyRateGrace, minResponseRate, minResponseRateGrace
    case maxVariants

    /// `UPPER_SNAKE`, e.g. `DATABASE_PATH`.
    var environmentName: String { words(separatedBy: "_").uppercased() }

    /// `kebab-case`, e.g. `database-path`.
    var flagName: String { words(separatedBy: "-").lowercased() }

    /// The camel-case name with `separator` before each inner capital, case unchanged. The names
    /// are ASCII: bytes, not Characters (whose Unicode case properties cost more at start-up than
    /// everything else the command line does).
    private func words(separatedBy separator: Character) -> String {
        var name = ""
        for byte in rawValue.utf8 {
            if (0x41...0x5A).contains(byte) { name.append(separator) }
            name.unicodeScalars.append(Unicode.Scalar(byte))
        }
        return name
    }

    /// What the setting does, for `serve --help`.
    var help: String {
        switch self {
        case .port: "TCP port; 0 picks a free one."
        case .host: "IPv4 or IPv6 address to listen on; :: also accepts IPv4."
        case .databasePath: "SQLite file; its directory is created."
        case .databaseUrl: "postgres://user@host:port/database?sslmode=...: keep visits in PostgreSQL instead of SQLite (builds with the PostgreSQL trait)."
        case .databasePasswordFile: "File holding the PostgreSQL password, e.g. a mounted Secret; overrides the URL's."
        case .databaseConnectTimeout: "Seconds to keep retrying PostgreSQL at start-up before exiting 1."
        case .publicDir: "Directory of static files."
        case .tutorialPath: "Markdown walkthrough served at /tutorial (404 while missing)."
        case .imageVariant: "Image variant the page reports."
        case .maxVariants: "Most distinct variant names POST /api/visits counts; a new name beyond them gets 422."
        case .logLevel: "trace, debug, info, notice, warning, error or critical."
        case .logFormat: "text or json."
        case .accessLog: "on or off: one line per request on stdout."
        case .logBufferLines: "Log lines buffered per stream while stdout or stderr is slow; more are dropped and counted."
        case .shutdownTimeout: "Seconds to let requests in flight finish on SIGTERM."
        case .eventLoops: "Event loop threads, or auto for the CPUs available (affinity and cgroup quota)."
        case .maxConnections: "Most connections open at once."
        case .maxBodySize: "Largest request body in bytes."
        case .maxHeaderBytes: "Largest request head in bytes."
        case .maxHeaderCount: "Most header fields in a request."
        case .maxRequestLine: "Longest request line in bytes."
        case .headerTimeout: "Seconds to receive a request head."
        case .bodyTimeout: "Seconds a request body may stall."
        case .idleTimeout: "Seconds an idle keep-alive connection stays open."
        case .writeTimeout: "Seconds a client may stall reading a response."
        case .minRequestBodyRate: "Slowest request body in bytes per second after the grace period, or 0 for none (408)."
        case .minRequestBodyRateGrace: "Seconds a request body may run before its minimum rate applies."
        case .minResponseRate: "Slowest a client may read a response, bytes per second after the grace period, or 0 for none."
        case .minResponseRateGrace: "Seconds a response may run before its minimum rate applies."
        }
    }

    /// The value when neither the flag nor the variable is given; chosen so `swift run` works
    /// from a fresh clone.
    var defaultValue: String {
        switch self {
        case .port: "8080"
        case .host: "0.0.0.0"
        case .databasePath: "data/visits.sqlite"
        case .databaseUrl: ""
        case .databasePasswordFile: ""
        case .databaseConnectTimeout: "30"
        case .publicDir: "Public"
        case .tutorialPath: "docs/TUTORIAL.md"
        case .imageVariant: "local"
        case .maxVariants: "256"
        case .logLevel: "info"
        case .logFormat: "text"
        case .accessLog: "on"
        case .logBufferLines: "8192"
        case .shutdownTimeout: "10"
        case .eventLoops: "auto"
        case .maxConnections: "4096"
        case .maxBodySize: "1048576"
        case .maxHeaderBytes: "16384"
        case .maxHeaderCount: "100"
        case .maxRequestLine: "8192"
        case .headerTimeout: "10"
        case .bodyTimeout: "30"
        case .idleTimeout: "60"
        case .writeTimeout: "30"
        case .minRequestBodyRate: "240"
        case .minRequestBodyRateGrace: "5"
        case .minResponseRate: "240"
        case .minResponseRateGrace: "5"
        }
    }

    /// The value from the flag, else the environment, else the default.
    /// - Parameter flag: The flag's value, if given.
    func resolve(flag: String?) -> String {
        if let flag { return flag }
        if let raw = getenv(environmentName) { return String(cString: raw) }
        return defaultValue
    }

    // MARK: - Parsing

    /// An integer in `range`.
    func integer(_ text: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError.invalid(self, value: text, expected: "an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A duration in seconds (fractions allowed), more than 0 and at most an hour.
    func seconds(_ text: String) throws -> Duration {
        guard let value = Double(text), value > 0, value <= 3600 else {
            throw ConfigurationError.invalid(self, value: text, expected: "a number of seconds above 0 and at most 3600")
        }
        return .milliseconds(Int64((value * 1000).rounded()))
    }

    /// A minimum data rate: bytes per second (0 turns it off) and its grace period in seconds.
    /// - Parameters:
    ///   - text: The rate.
    ///   - grace: The grace period's text.
    ///   - graceSetting: The setting the grace period came from, for its error message.
    func dataRate(_ text: String, grace: String, graceSetting: Setting) throws -> MinimumDataRate? {
        let bytesPerSecond = try integer(text, in: 0...1_073_741_824)
        let gracePeriod = try graceSetting.seconds(grace)
        return bytesPerSecond == 0 ? nil : MinimumDataRate(bytesPerSecond: bytesPerSecond, gracePeriod: gracePeriod)
    }

    /// One of a fixed set of words.
    func choice(_ text: String, from choices: [String]) throws -> String {
        guard choices.contains(text.lowercased()) else {
            throw ConfigurationError.invalid(self, value: text, expected: "one of \(choices.joined(separator: ", "))")
        }
        return text.lowercased()
    }
}
