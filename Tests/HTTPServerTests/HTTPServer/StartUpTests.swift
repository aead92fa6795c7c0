import Glibc
import Testing
import TestSupport

@testable import HTTPServer

extension HTTPServerTests {
    /// Start-up failures throw and leak nothing.
    @Suite struct StartUpTests {
        @Test func startFailuresThrowAndLeakNothing() async throws {
            let opened = ProcessResources.descriptorTargets()
            let notAnAddress = HTTPServer(configuration: .test { $0.host = "localhost" }, handler: MockHandler(), logger: .test)
            #expect(throws: SocketError.self) { try notAnAddress.start() }
            #expect(notAnAddress.port == nil)
            await notAnAddress.shutdown(gracePeriod: .zero)

            let badPort = HTTPServer(configuration: .test { $0.port = 70_000 }, handler: MockHandler(), logger: .test)
            #expect(throws: SocketError.invalidPort(70_000)) { try badPort.start() }
            let negativePort = HTTPServer(configuration: .test { $0.port = -1 }, handler: MockHandler(), logger: .test)
            #expect(throws: SocketError.invalidPort(-1)) { try negativePort.start() }

            var usedPort = 0
            try await withTestServer({ $0.eventLoopCount = 2 }) { server, port in
                usedPort = port
                #expect(throws: HTTPServerError.alreadyStarted) { try server.start() }
                for loops in [1, 3] {
                    let rival = HTTPServer(
                        configuration: .test {
                            $0.port = port
                            $0.eventLoopCount = loops
                        }, handler: MockHandler(), logger: .test)
                    #expect(performing: { try rival.start() }, throws: { ($0 as? SocketError)?.code == EADDRINUSE })
                    await rival.shutdown(gracePeriod: .zero)  // In case it started after all.
                }
                await server.shutdown(gracePeriod: .seconds(1))
                await server.shutdown(gracePeriod: .seconds(1))  // A second call returns at once.
                await server.waitUntilStopped()
                #expect(throws: HTTPServerError.alreadyStarted) { try server.start() }
            }
            let left = ProcessResources.descriptorsOpened(since: opened, port: usedPort)
            #expect(left.isEmpty, "descriptors left open: \(left)")
        }
    }
}
