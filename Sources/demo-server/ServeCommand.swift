import Glibc
import DemoApp
import Dispatch
import HTTPServer
import Logging

/// `demo-server serve`: runs the web service until SIGTERM, SIGINT, SIGHUP or SIGQUIT.
struct ServeCommand {
    /// The flags given on the command line, by setting.
    let flags: [Setting: String]

    func run() throws(ExitStatus) {
        // First, before any thread starts (the log writers, Dispatch, the event loops): every
        // thread inherits the blocked mask, so a stop signal at any moment of start-up waits for
        // the signal thread and ends in a clean stop. SIGHUP and SIGQUIT drain like SIGTERM: a
        // server with nothing to reload should not die undrained from a hang-up, and SIGQUIT is
        // the graceful stop of nginx's images (`STOPSIGNAL SIGQUIT`). A second one means "now":
        // skip the drain (acknowledged visits are already committed).
        let signals = SignalWaiter(signals: [SIGTERM, SIGINT, SIGHUP, SIGQUIT]) { _ in _exit(1) }
        let settings: ServeSettings
        do {
            settings = try ServeSettings(flags: flags)
        } catch {
            // ConfigurationError: one line naming the setting, its variable and its flag.
            throw Self.startupFailure("\(error)", exitCode: .badConfiguration)
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
        // Access lines are `info`: a higher LOG_LEVEL silences them too.
        let accessLog = settings.accessLog && level <= .info ? AccessLogWriter(format: format, output: output.standardOutput) : nil

        let maxConnections = settings.server.maxConnections
        if let limit = FileDescriptorLimit.fit(maxConnections: maxConnections, eventLoops: settings.server.resolvedEventLoopCount) {
            if limit.wasRaised {
                logger.info("raised the open-file limit", metadata: ["from": "\(limit.previous)", "to": "\(limit.current)"])
            }
            if !limit.fits {
                logger.warning("\(FileDescriptorLimit.warning(for: limit, maxConnections: maxConnections))")
            }
        }

        let store: any VisitStore
        let database: String
        do {
            (store, database) = try Self.openStore(settings, logger: logger)
        } catch {
            throw Self.startupFailure("\(error)", exitCode: .failure)
        }
        let statistics = ServerStatistics()
        let application: DemoApplication
        do {
            application = try DemoApplication(
                configuration: DemoConfiguration(
                    publicDirectory: settings.publicDirectory, imageVariant: settings.imageVariant,
                    tutorialPath: settings.tutorialPath, maxVariants: settings.maxVariants),
                store: store,
                serverStatistics: statistics,
                logger: logger,
                accessLog: accessLog,
                droppedLogLines: { output.droppedLines })
        } catch let error as StaticFileServerError {
            store.close()
            throw Self.startupFailure("\(Setting.publicDir.environmentName) (--\(Setting.publicDir.flagName)) \(error)", exitCode: .failure)
        } catch {
            store.close()
            throw Self.startupFailure("\(error)", exitCode: .failure)
        }
        let server = HTTPServer(
            configuration: settings.server, handler: application, observer: application, statistics: statistics, logger: logger)
        do {
            try server.start()
        } catch {
            store.close()
            throw Self.startupFailure("cannot listen on \(settings.server.host) port \(settings.server.port): \(error)", exitCode: .failure)
        }
        logger.info(
            "demo-server started",
            metadata: [
                "version": "\(DemoVersion.current)", "variant": "\(settings.imageVariant)",
                "database": "\(database)", "public": "\(settings.publicDirectory)",
            ])

        let signal = signals.wait()
        logger.info("received \(SignalWaiter.name(of: signal)); draining", metadata: ["timeout": "\(settings.shutdownTimeout)"])
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
    private static func startupFailure(_ message: String, exitCode: ExitStatus) -> ExitStatus {
        ConsoleLine.write("demo-server: \(message)")
        return exitCode
    }
}
