#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import DemoApp
import Dispatch
import HTTPServer
import Logging

/// `demo-server serve`: runs the web service until SIGTERM or SIGINT.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the demo page, static files and the visit API (the default command)."
    )

    @Option(help: "TCP port; 0 picks a free one. [env: PORT, default: 8080]")
    var port: String?
    @Option(help: "IPv4 or IPv6 address to listen on; :: also accepts IPv4. [env: HOST, default: 0.0.0.0]")
    var host: String?
    @Option(help: "SQLite file; its directory is created. [env: DATABASE_PATH, default: data/visits.sqlite]")
    var databasePath: String?
    @Option(help: "postgres://user@host:port/database?sslmode=...: keep visits in PostgreSQL instead of SQLite (builds with the PostgreSQL trait). [env: DATABASE_URL]")
    var databaseUrl: String?
    @Option(help: "File holding the PostgreSQL password, e.g. a mounted Secret; overrides the URL's. [env: DATABASE_PASSWORD_FILE]")
    var databasePasswordFile: String?
    @Option(help: "Seconds to keep retrying PostgreSQL at start-up before exiting 1. [env: DATABASE_CONNECT_TIMEOUT, default: 30]")
    var databaseConnectTimeout: String?
    @Option(help: "Directory of static files. [env: PUBLIC_DIR, default: Public]")
    var publicDir: String?
    @Option(help: "Markdown walkthrough served at /tutorial (404 while missing). [env: TUTORIAL_PATH, default: docs/TUTORIAL.md]")
    var tutorialPath: String?
    @Option(help: "Image variant the page reports. [env: IMAGE_VARIANT, default: local]")
    var imageVariant: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical. [env: LOG_LEVEL, default: info]")
    var logLevel: String?
    @Option(help: "text or json. [env: LOG_FORMAT, default: text]")
    var logFormat: String?
    @Option(help: "on or off: one line per request on stdout. [env: ACCESS_LOG, default: on]")
    var accessLog: String?
    @Option(help: "Log lines buffered per stream while stdout or stderr is slow; more are dropped and counted. [env: LOG_BUFFER_LINES, default: 8192]")
    var logBufferLines: String?
    @Option(help: "Seconds to let requests in flight finish on SIGTERM. [env: SHUTDOWN_TIMEOUT, default: 10]")
    var shutdownTimeout: String?
    @Option(help: "Event loop threads, or auto for the CPUs available (affinity and cgroup quota). [env: EVENT_LOOPS, default: auto]")
    var eventLoops: String?
    @Option(help: "Most connections open at once. [env: MAX_CONNECTIONS, default: 4096]")
    var maxConnections: String?
    @Option(help: "Largest request body in bytes. [env: MAX_BODY_SIZE, default: 1048576]")
    var maxBodySize: String?
    @Option(help: "Largest request head in bytes. [env: MAX_HEADER_BYTES, default: 16384]")
    var maxHeaderBytes: String?
    @Option(help: "Most header fields in a request. [env: MAX_HEADER_COUNT, default: 100]")
    var maxHeaderCount: String?
    @Option(help: "Longest request line in bytes. [env: MAX_REQUEST_LINE, default: 8192]")
    var maxRequestLine: String?
    @Option(help: "Seconds to receive a request head. [env: HEADER_TIMEOUT, default: 10]")
    var headerTimeout: String?
    @Option(help: "Seconds a request body may stall. [env: BODY_TIMEOUT, default: 30]")
    var bodyTimeout: String?
    @Option(help: "Seconds an idle keep-alive connection stays open. [env: IDLE_TIMEOUT, default: 60]")
    var idleTimeout: String?
    @Option(help: "Seconds a client may stall reading a response. [env: WRITE_TIMEOUT, default: 30]")
    var writeTimeout: String?
    @Option(help: "Slowest request body in bytes per second after the grace period, or 0 for none (408). [env: MIN_REQUEST_BODY_RATE, default: 240]")
    var minRequestBodyRate: String?
    @Option(help: "Seconds a request body may run before its minimum rate applies. [env: MIN_REQUEST_BODY_RATE_GRACE, default: 5]")
    var minRequestBodyRateGrace: String?
    @Option(help: "Slowest a client may read a response, bytes per second after the grace period, or 0 for none. [env: MIN_RESPONSE_RATE, default: 240]")
    var minResponseRate: String?
    @Option(help: "Seconds a response may run before its minimum rate applies. [env: MIN_RESPONSE_RATE_GRACE, default: 5]")
    var minResponseRateGrace: String?

    private var flags: [Setting: String] {
        let pairs: [(Setting, String?)] = [
            (.port, port), (.host, host), (.databasePath, databasePath), (.databaseUrl, databaseUrl),
            (.databasePasswordFile, databasePasswordFile), (.databaseConnectTimeout, databaseConnectTimeout), (.publicDir, publicDir), (.tutorialPath, tutorialPath),
            (.imageVariant, imageVariant), (.logLevel, logLevel), (.logFormat, logFormat), (.accessLog, accessLog), (.logBufferLines, logBufferLines),
            (.shutdownTimeout, shutdownTimeout), (.eventLoops, eventLoops), (.maxConnections, maxConnections),
            (.maxBodySize, maxBodySize), (.maxHeaderBytes, maxHeaderBytes), (.maxHeaderCount, maxHeaderCount),
            (.maxRequestLine, maxRequestLine), (.headerTimeout, headerTimeout), (.bodyTimeout, bodyTimeout),
            (.idleTimeout, idleTimeout), (.writeTimeout, writeTimeout),
            (.minRequestBodyRate, minRequestBodyRate), (.minRequestBodyRateGrace, minRequestBodyRateGrace),
            (.minResponseRate, minResponseRate), (.minResponseRateGrace, minResponseRateGrace),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { setting, value in value.map { (setting, $0) } })
    }

    func run() throws {
        let settings: ServeSettings
        do {
            settings = try ServeSettings(flags: flags)
        } catch let error as ConfigurationError {
            throw Self.startupFailure(error.description, exitCode: .validationFailure)
        }
        let format = settings.logFormat
        let level = settings.logLevel
        // Lines leave through writer threads with bounded buffers: a stalled stdout or stderr
        // never blocks an event loop. What is buffered is flushed on the way out, for a bounded time.
        let output = LogOutput(format: format, maxLines: settings.logBufferLines)
        defer { output.flush(timeout: Self.logFlushTimeout) }
        LoggingSystem.bootstrap(
            { label, provider in
                var handler = LineLogHandler(label: label, format: format, output: output, logLevel: level)
                handler.metadataProvider = provider
                return handler
            },
            metadataProvider: nil)
        let logger = Logger(label: "demo-server")
        let accessLogger = settings.accessLog ? Logger(label: "access") : nil

        let maxConnections = settings.server.maxConnections
        if let limit = FileDescriptorLimit.fit(maxConnections: maxConnections, eventLoops: settings.server.resolvedEventLoopCount) {
            if limit.wasRaised {
                logger.info("raised the open-file limit", metadata: ["from": "\(limit.previous)", "to": "\(limit.current)"])
            }
            if !limit.fits {
                logger.warning("\(FileDescriptorLimit.warning(for: limit, maxConnections: maxConnections))")
            }
        }

        // Signals are caught before anything starts, so an early SIGTERM is a clean stop too.
        let signals = SignalWaiter(signals: [SIGTERM, SIGINT])

        let store: any VisitStore
        let database: String
        do {
            (store, database) = try Self.openStore(settings, logger: logger)
        } catch {
            throw Self.startupFailure("\(error)", exitCode: ExitCode(1))
        }
        let statistics = ServerStatistics()
        let application: DemoApplication
        do {
            application = try DemoApplication(
                configuration: DemoConfiguration(
                    publicDirectory: settings.publicDirectory, imageVariant: settings.imageVariant,
                    tutorialPath: settings.tutorialPath),
                store: store,
                serverStatistics: statistics,
                logger: logger,
                accessLogger: accessLogger,
                droppedLogLines: { output.droppedLines })
        } catch {
            store.close()
            throw Self.startupFailure("\(error)", exitCode: ExitCode(1))
        }
        let server = HTTPServer(configuration: settings.server, handler: application, statistics: statistics, logger: logger)
        do {
            try server.start()
        } catch {
            store.close()
            throw Self.startupFailure("cannot listen on \(settings.server.host) port \(settings.server.port): \(error)", exitCode: ExitCode(1))
        }
        logger.info(
            "demo-server started",
            metadata: [
                "version": "\(DemoVersion.current)", "variant": "\(settings.imageVariant)",
                "database": "\(database)", "public": "\(settings.publicDirectory)",
            ])

        let signal = signals.wait()
        logger.info("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT"); draining", metadata: ["timeout": "\(settings.shutdownTimeout)"])
        signals.onSecondSignal {
            // A second Ctrl-C means "now": skip the drain (acknowledged visits are already committed).
            _exit(1)
        }
        application.beginShutdown()
        let stopped = DispatchSemaphore(value: 0)
        let gracePeriod = settings.shutdownTimeout
        Task {
            await server.shutdown(gracePeriod: gracePeriod)
            stopped.signal()
        }
        stopped.wait()
        store.close()
        logger.info("stopped cleanly")
    }

    /// Opens the store the settings choose: PostgreSQL when DATABASE_URL is set, else SQLite.
    /// - Returns: The store and what to call its database in logs (never with a password).
    private static func openStore(_ settings: ServeSettings, logger: Logger) throws -> (any VisitStore, String) {
        #if PostgreSQL
        if let postgres = settings.postgres {
            if postgres.isDatabasePathIgnored {
                logger.notice("DATABASE_PATH is ignored: DATABASE_URL is set and visits are kept in PostgreSQL")
            }
            do {
                let store = try PostgresVisitStore(
                    url: postgres.url, password: postgres.password, connectTimeout: postgres.connectTimeout, logger: logger)
                return (store, "\(postgres.url)")
            } catch {
                throw ConfigurationError(description: "DATABASE_URL: \(error)")
            }
        }
        #endif
        do {
            return (try SQLiteVisitStore(path: settings.databasePath, logger: logger), settings.databasePath)
        } catch {
            throw ConfigurationError(description: "DATABASE_PATH: \(error)")
        }
    }

    /// The longest the log is flushed on exit, per stream: a consumer that never reads again must
    /// not keep the process from stopping.
    private static let logFlushTimeout = Duration.seconds(2)

    /// Prints one line on stderr and returns the exit code to throw: start-up errors must be
    /// readable, not a stack trace.
    private static func startupFailure(_ message: String, exitCode: ExitCode) -> ExitCode {
        var line = "demo-server: \(message)\n"
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
        return exitCode
    }
}
