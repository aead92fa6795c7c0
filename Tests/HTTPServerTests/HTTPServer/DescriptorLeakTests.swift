import Testing
import TestSupport

@testable import HTTPServer

extension HTTPServerTests {
    /// No descriptor outlives its connection.
    @Suite struct DescriptorLeakTests {
        @Test func noDescriptorLeaksAfterTwoThousandConnections() async throws {
            // Warm up first, so what the runtime and Dispatch allocate once (timer descriptors,
            // thread pools) is not counted as a leak.
            try await withTestServer { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/late?ms=1"))
                _ = try client.readResponse()
            }
            let before = ProcessResources.openDescriptorCount()
            let opened = ProcessResources.descriptorTargets()
            let handler = MockHandler()
            let server = HTTPServer(configuration: .test(), handler: handler, logger: .test)
            try server.start()
            let port = try #require(server.port)
            var served = 0
            try await shuttingDownOnError(server) {
                for index in 0..<2_000 {
                    let client = try TestClient(port: port)
                    defer { client.close() }
                    switch index % 5 {
                    case 0:  // Client closes after a keep-alive exchange.
                        try client.send(get("/echo?n=\(index)"))
                        if try client.readResponse().status == 200 { served += 1 }
                    case 1:  // Server closes after Connection: close.
                        try client.send(get("/echo?n=\(index)", "Connection: close\r\n"))
                        if try client.readResponse().status == 200 { served += 1 }
                        _ = try client.waitForClose()
                    case 2:  // A bad request.
                        try client.send("GET / HTTP/1.1\r\n\r\n")
                        if try client.readResponse().status == 400 { served += 1 }
                    case 3:  // Answered from another thread, then the client resets.
                        try client.send(get("/late?ms=1"))
                        if try client.readResponse().status == 200 { served += 1 }
                        client.reset()
                    default:  // Content larger than the head, and the server closes.
                        try client.send(get("/large?size=1000", "Connection: close\r\n"))
                        if try client.readResponse().body.count == 1000 { served += 1 }
                    }
                }
            }
            #expect(served == 2_000)
            #expect(await eventually { server.statistics.openConnections == 0 })
            await server.shutdown(gracePeriod: .seconds(1))
            #expect(server.statistics.acceptedConnections == 2_000)
            let left = ProcessResources.descriptorsOpened(since: opened, port: port)
            #expect(left.isEmpty, "descriptors left open: \(left)")
            // The plain count, which only other suites running in parallel can disturb (see
            // `descriptorsOpened`); exact under `swift test --filter HTTPServerTests`.
            let after = ProcessResources.openDescriptorCount()
            if after != before && left.isEmpty {
                print("note: \(after - before) descriptors opened by other tests during the leak test")
            } else {
                #expect(after == before)
            }
        }
    }
}
