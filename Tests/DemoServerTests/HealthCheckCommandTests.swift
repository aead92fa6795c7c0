import Foundation
import Testing
import TestSupport

/// `demo-server healthcheck` against a running server and a stopped one.
@Suite(.serialized) struct HealthCheckCommandTests {
    @Test func healthcheckSubcommandReportsUpAndDown() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        let up = try ServerProcess()
        defer { up.cleanUp() }
        #expect(try up.runToExit(["healthcheck"], environment: ["PORT": "\(server.port)"]) == 0)
        let port = server.port
        server.stop()
        let down = try ServerProcess()
        defer { down.cleanUp() }
        #expect(try down.runToExit(["healthcheck", "--port", "\(port)", "--timeout", "1"]) == 1)
        #expect(down.standardError.contains("healthcheck:"))
    }
}
