import Glibc
import DemoApp
import HTTPServer
import Logging

/// The validated settings of `serve`.
struct ServeSettings {
    var server: HTTPServer.Configuration
    var databasePath: String
    /// Set when DATABASE_URL is: visits go to PostgreSQL and `databasePath` is not used.
    var postgres: PostgresSettings?
    var publicDirectory: String
    var tutorialPath: String
    var imageVariant: String
    var maxVariants: Int
    var logLevel: Logger.Level
    var logFormat: LogFormat
    var accessLog: Bool
    var logBufferLines: Int
    var shutdownTimeout: Duration

    /// Resolves every setting (flag, else environment, else default) and validates it.
    /// - Parameter flags: The flags given on the command line, by setting.
    /// - Throws: `ConfigurationError` naming the first bad setting.
    init(flags: [Setting: String]) throws {
        func value(_ setting: Setting) -> String { setting.resolve(flag: flags[setting]) }

        let host = value(.host)
        var probe4 = in_addr()
        var probe6 = in6_addr()
        let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard inet_pton(AF_INET, bareHost, &probe4) == 1 || inet_pton(AF_INET6, bareHost, &probe6) == 1 else {
            throw ConfigurationError.invalid(.host, value: host, expected: "an IPv4 or IPv6 address such as 0.0.0.0 or ::")
        }
        let eventLoopText = value(.eventLoops)
        let eventLoops = eventLoopText.lowercased() == "auto" ? nil : try Setting.eventLoops.integer(eventLoopText, in: 1...256)
        server = HTTPServer.Configuration(
            host: host,
            port: try Setting.port.integer(value(.port), in: 0...65535),
            limits: RequestLimits(
                maxRequestLineLength: try Setting.maxRequestLine.integer(value(.maxRequestLine), in: 64...1_048_576),
                maxHeaderBytes: try Setting.maxHeaderBytes.integer(value(.maxHeaderBytes), in: 1024...1_048_576),
                maxHeaderCount: try Setting.maxHeaderCount.integer(value(.maxHeaderCount), in: 1...10_000),
                maxBodySize: try Setting.maxBodySize.integer(value(.maxBodySize), in: 0...1_073_741_824)),
            timeouts: ConnectionTimeouts(
                headerRead: try Setting.headerTimeout.seconds(value(.headerTimeout)),
                bodyRead: try Setting.bodyTimeout.seconds(value(.bodyTimeout)),
                idle: try Setting.idleTimeout.seconds(value(.idleTimeout)),
                write: try Setting.writeTimeout.seconds(value(.writeTimeout)),
                minimumRequestBodyRate: try Setting.minRequestBodyRate.dataRate(
                    value(.minRequestBodyRate), grace: value(.minRequestBodyRateGrace), graceSetting: .minRequestBodyRateGrace),
                minimumResponseRate: try Setting.minResponseRate.dataRate(
                    value(.minResponseRate), grace: value(.minResponseRateGrace), graceSetting: .minResponseRateGrace)),
            maxConnections: try Setting.maxConnections.integer(value(.maxConnections), in: 1...1_000_000),
            eventLoopCount: eventLoops)

        databasePath = value(.databasePath)
        guard !databasePath.isEmpty, !databasePath.utf8.contains(0) else {
            throw ConfigurationError.invalid(.databasePath, value: databasePath, expected: "a file path")
        }
        postgres = try PostgresSettings(
            url: value(.databaseUrl), passwordFile: value(.databasePasswordFile),
            connectTimeout: value(.databaseConnectTimeout),
            isDatabasePathGiven: flags[.databasePath] != nil || getenv(Setting.databasePath.environmentName) != nil)
        publicDirectory = value(.publicDir)
        guard !publicDirectory.isEmpty else {
            throw ConfigurationError.invalid(.publicDir, value: publicDirectory, expected: "a directory path")
        }
        tutorialPath = value(.tutorialPath)
        imageVariant = value(.imageVariant)
        guard DemoConfiguration.isValidVariant(imageVariant) else {
            throw ConfigurationError.invalid(
                .imageVariant, value: imageVariant, expected: "1-32 characters of a-z, 0-9, '.', '_' or '-'")
        }
        maxVariants = try Setting.maxVariants.integer(value(.maxVariants), in: 1...100_000)
        let levels = Logger.Level.allCases.map(\.rawValue)
        logLevel = Logger.Level(rawValue: try Setting.logLevel.choice(value(.logLevel), from: levels))!
        logFormat = LogFormat(rawValue: try Setting.logFormat.choice(value(.logFormat), from: LogFormat.allCases.map(\.rawValue)))!
        accessLog = try Setting.accessLog.choice(value(.accessLog), from: ["on", "off"]) == "on"
        logBufferLines = try Setting.logBufferLines.integer(value(.logBufferLines), in: 16...1_000_000)
        let shutdownText = value(.shutdownTimeout)
        guard let shutdownSeconds = Double(shutdownText), shutdownSeconds >= 0, shutdownSeconds <= 3600 else {
            throw ConfigurationError.invalid(.shutdownTimeout, value: shutdownText, expected: "a number of seconds from 0 to 3600")
        }
        shutdownTimeout = .milliseconds(Int64((shutdownSeconds * 1000).rounded()))
    }
}
