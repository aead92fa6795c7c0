import Glibc
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

        @Test func aConnectionIsHandedOverWithItsFirstBytesAndSendsWithoutDelay() throws {
            let listener = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0), backlog: 8)
            defer { listener.close() }
            let client = try TestClient(port: try listener.localAddress().port)
            defer { client.close() }
            // Connected, nothing sent: the kernel keeps it (its wait is about a second, far
            // beyond the next line).
            #expect(try listener.accept() == nil)
            try client.send(get("/"))
            var accepted: Socket?
            for _ in 0..<1000 where accepted == nil {
                accepted = try listener.accept()?.0
                if accepted == nil { usleep(1000) }
            }
            let socket = try #require(accepted)
            defer { socket.close() }
            var noDelay: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            #expect(getsockopt(socket.descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, &length) == 0)
            #expect(noDelay == 1, "inherited from the listener")
        }
    }
}
