#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import Testing

@testable import HTTPServer

extension Logger {
    /// Silent unless `HTTPSERVER_TEST_LOG` is set, so a failing test can be rerun with logs.
    static let test: Logger = {
        guard let level = getenvString("HTTPSERVER_TEST_LOG") else {
            return Logger(label: "HTTPServerTests", factory: { _ in SwiftLogNoOpLogHandler() })
        }
        var logger = Logger(label: "HTTPServerTests", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = Logger.Level(rawValue: level) ?? .debug
        return logger
    }()
}

extension HTTPServer.Configuration {
    /// Loopback, any free port, one event loop (so connection counts and ordering are simple).
    static func test(_ configure: (inout HTTPServer.Configuration) -> Void = { _ in }) -> HTTPServer.Configuration {
        var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0, eventLoopCount: 1)
        configure(&configuration)
        return configuration
    }
}

/// Starts a real server for one test, runs `body`, and always shuts the server down, on failure
/// paths too; then checks that it closed every socket it had and forgot every connection.
/// - Parameters:
///   - handler: What answers requests.
///   - configure: Changes to the `.test` configuration.
///   - gracePeriod: For the final shutdown.
///   - body: The test, given the server and its port.
func withTestServer(
    handler: any HTTPHandler = MockHandler(),
    _ configure: (inout HTTPServer.Configuration) -> Void = { _ in },
    gracePeriod: Duration = .seconds(2),
    _ body: (_ server: HTTPServer, _ port: Int) async throws -> Void
) async throws {
    let server = HTTPServer(
        configuration: .test(configure), handler: handler, observer: handler as? any HTTPServerObserver, logger: .test)
    try server.start()
    let port = try #require(server.port)
    do {
        try await body(server, port)
    } catch {
        await server.shutdown(gracePeriod: gracePeriod)
        throw error
    }
    await server.shutdown(gracePeriod: gracePeriod)
    #expect(server.port == nil)
    #expect(server.statistics.openConnections == 0)
    #expect(ProcessResources.serverSockets(port: port).isEmpty, "the server left sockets open")
}

/// Runs `body` for a server the test started itself, shutting the server down (at once) if
/// `body` throws, so a failing test leaves no server running.
func shuttingDownOnError(_ server: HTTPServer, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        await server.shutdown(gracePeriod: .zero)
        throw error
    }
}

/// Waits until `condition` holds, checking every few milliseconds, at most `timeout`.
/// - Returns: Whether it held in time.
func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    for _ in 0..<100_000 {
        if condition() { return true }
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

private func getenvString(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}
