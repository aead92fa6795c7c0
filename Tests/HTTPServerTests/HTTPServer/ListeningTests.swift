import Testing
import TestSupport

@testable import HTTPServer

extension HTTPServerTests {
    /// Where the server listens: the IPv6 loopback, one port shared by several event loops.
    @Suite struct ListeningTests {
        @Test(.enabled(if: TestClient.supportsIPv6Loopback))
        func servesOnTheIPv6Loopback() async throws {
            try await withTestServer({ $0.host = "::1" }) { _, port in
                let client = try TestClient(port: port, host: "::1")
                defer { client.close() }
                try client.send(get("/echo"))
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.header("X-Remote") == "::1")
            }
        }

        @Test func severalEventLoopsShareThePort() async throws {
            try await withTestServer({ $0.eventLoopCount = 3 }) { server, port in
                var clients: [TestClient] = []
                defer { clients.forEach { $0.close() } }
                for index in 0..<24 {
                    let client = try TestClient(port: port)
                    clients.append(client)
                    try client.send(get("/echo?n=\(index)"))
                }
                for (index, client) in clients.enumerated() {
                    #expect(try client.readResponse().text == "GET /echo?n=\(index)")
                }
                #expect(server.statistics.openConnections == 24)
            }
        }
    }
}
