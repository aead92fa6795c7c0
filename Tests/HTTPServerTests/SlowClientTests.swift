#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import TestSupport

@testable import HTTPServer

/// Minimum data rates over real sockets, with small rates and grace periods so the tests stay
/// fast. The stall timeouts stay at their defaults (30 s), far beyond every wait here: only the
/// rate can cut these clients off in time.
@Suite struct SlowClientTests {
    private static let rate = MinimumDataRate(bytesPerSecond: 200_000, gracePeriod: .milliseconds(300))

    @Test func bodySentBelowTheMinimumRateGets408() async throws {
        let handler = MockHandler()
        try await withTestServer(handler: handler, { $0.timeouts.minimumRequestBodyRate = Self.rate }) { server, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            // A body announced at 1 MB, of which a trickle arrives.
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n")
            var answer: TestResponse?
            for _ in 0..<100 {
                try client.send("x")
                if try !client.staysSilent(for: .milliseconds(50)) {
                    answer = try client.readResponse()
                    break
                }
            }
            let response = try #require(answer)
            #expect(response.status == 408)
            #expect(response.closes)
            #expect(server.statistics.slowClientsCut(.requestBodyTooSlow) == 1)
            let rejection = try #require(handler.rejections.all.first)
            #expect(rejection.error.status == .requestTimeout)
            #expect(rejection.error.reason.contains("minimum data rate"))
        }
    }

    @Test func headTrickledByteByByteStillEndsAtTheHeadDeadline() async throws {
        try await withTestServer({ $0.timeouts.headerRead = .milliseconds(500) }) { server, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            // Every byte is progress, but the head deadline counts from the first byte: 408.
            let head = Array("GET /echo HTTP/1.1\r\nHost: t\r\nX-Padding: " + String(repeating: "p", count: 500) + "\r\n\r\n")
            var answer: TestResponse?
            for character in head {
                try client.send(String(character))
                if try !client.staysSilent(for: .milliseconds(50)) {
                    answer = try client.readResponse()
                    break
                }
            }
            let response = try #require(answer)
            #expect(response.status == 408)
            #expect(server.statistics.slowClientsCut(.requestHeadTimeout) == 1)
        }
    }

    @Test func bodyAtAGoodRateIsNotCutOff() async throws {
        try await withTestServer({ $0.timeouts.minimumRequestBodyRate = Self.rate }) { server, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            let body = String(repeating: "b", count: 900 * 1024)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.body.count == body.utf8.count)
            #expect(server.statistics.slowClientsCut(.requestBodyTooSlow) == 0)
        }
    }

    @Test func slowReaderOfALargeFileIsCutOffAndTheFileClosed() async throws {
        let file = try TemporaryFile(size: 16 * 1024 * 1024)
        try await withTestServer(handler: MockHandler(filePath: file.path), { $0.timeouts.minimumResponseRate = Self.rate }) { server, port in
            let client = try TestClient(port: port, receiveBufferSize: 4096)
            defer { client.close() }
            try client.send("GET /file?length=\(file.size) HTTP/1.1\r\nHost: t\r\n\r\n")
            // Reads the first 64 KiB, then nothing more. The server's send buffer soon holds
            // megabytes, which must not pass for progress: only acknowledged bytes count.
            let start = try client.readSlowly(count: 64 * 1024, pieceSize: 16 * 1024, timeout: .seconds(10)) {}
            #expect(start.count == 64 * 1024)
            #expect(await eventually { server.statistics.slowClientsCut(.responseTooSlow) == 1 })
            #expect(await eventually { server.statistics.openConnections == 0 })
            #expect(server.statistics.slowClientsCut(.responseStalled) == 0)
            #expect(await eventually { file.openDescriptorCount == 0 })
            client.reset()
        }
    }

    /// The default rate (240 B/s after 5 s), as an attacker meets it: a 1 KiB receive buffer and
    /// 20 bytes a second. The client must *learn* it was cut: a plain close would queue the FIN
    /// behind megabytes it never reads, and it would stay connected for as long as it likes.
    @Test func tricklingReaderIsCutWithTheDefaultSettingsAndSeesTheConnectionEnd() async throws {
        let file = try TemporaryFile(size: 16 * 1024 * 1024)
        try await withTestServer(handler: MockHandler(filePath: file.path)) { server, port in
            let client = try TestClient(port: port, receiveBufferSize: 1024)
            defer { client.close() }
            try client.send("GET /file?length=\(file.size) HTTP/1.1\r\nHost: t\r\n\r\n")
            // The pause is the client's behaviour, not a synchronisation; the bound (120 pieces,
            // 60 s) is far beyond the grace period plus the time the rate needs to be broken.
            let wasReset = try client.trickle(pieceSize: 10, maxPieces: 120) { usleep(500_000) }
            #expect(wasReset, "the client is still connected after 60 s")
            #expect(server.statistics.slowClientsCut(.responseTooSlow) == 1)
            #expect(await eventually { file.openDescriptorCount == 0 })
        }
    }
}
