import HTTPServer
import Testing

@testable import demo_server

/// `serve`'s settings resolved and validated in process: flags win, and a bad value stops with a
/// line naming the variable, its flag, what is accepted and what was given.
@Suite struct ServeSettingsTests {
    @Test(arguments: [
        ([Setting.port: "abc"], "PORT (--port) must be an integer from 0 to 65535; got \"abc\""),
        ([.port: "70000"], "PORT (--port) must be an integer from 0 to 65535; got \"70000\""),
        ([.host: "localhost"], "HOST (--host) must be an IPv4 or IPv6 address"),
        ([.logFormat: "xml"], "LOG_FORMAT (--log-format) must be one of text, json"),
        ([.logLevel: "loud"], "LOG_LEVEL (--log-level)"),
        ([.imageVariant: "Not Valid!"], "IMAGE_VARIANT (--image-variant)"),
        ([.shutdownTimeout: "-1"], "SHUTDOWN_TIMEOUT (--shutdown-timeout)"),
        ([.idleTimeout: "0"], "IDLE_TIMEOUT (--idle-timeout)"),
        ([.eventLoops: "many"], "EVENT_LOOPS (--event-loops)"),
        ([.maxBodySize: "-5"], "MAX_BODY_SIZE (--max-body-size)"),
        ([.accessLog: "maybe"], "ACCESS_LOG (--access-log)"),
        ([.maxVariants: "0"], "MAX_VARIANTS (--max-variants) must be an integer from 1 to 100000; got \"0\""),
        ([.maxVariants: "many"], "MAX_VARIANTS (--max-variants) must be an integer from 1 to 100000"),
        ([.databasePath: ""], "DATABASE_PATH (--database-path) must be a file path"),
        ([.publicDir: ""], "PUBLIC_DIR (--public-dir) must be a directory path"),
    ])
    func badValueIsRefusedWithOneLineNamingTheSetting(flags: [Setting: String], message: String) {
        do {
            _ = try ServeSettings(flags: flags)
            Issue.record("accepted \(flags)")
        } catch {
            #expect("\(error)".contains(message), "got: \(error)")
            #expect(!"\(error)".contains("\n"))
        }
    }

    @Test func flagsAreTakenAndConverted() throws {
        let settings = try ServeSettings(flags: [
            .port: "0", .host: "::", .eventLoops: "3", .maxConnections: "10", .shutdownTimeout: "1.5",
            .imageVariant: "flagged", .logFormat: "json", .accessLog: "off", .maxVariants: "7",
        ])
        #expect(settings.server.port == 0)
        #expect(settings.server.host == "::")
        #expect(settings.server.eventLoopCount == 3)
        #expect(settings.server.maxConnections == 10)
        #expect(settings.shutdownTimeout == .milliseconds(1500))
        #expect(settings.imageVariant == "flagged")
        #expect(settings.logFormat == .json)
        #expect(!settings.accessLog)
        #expect(settings.maxVariants == 7)
    }

    @Test func eventLoopsAutoLeavesTheCountToTheServer() throws {
        #expect(try ServeSettings(flags: [.eventLoops: "auto"]).server.eventLoopCount == nil)
        #expect(try ServeSettings(flags: [.eventLoops: "AUTO"]).server.eventLoopCount == nil)
    }
}
