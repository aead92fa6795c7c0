import Glibc
import Testing
import TestSupport

@testable import HTTPServer

extension HTTPServerTests {
    /// Large responses, from memory and from files (sendfile), reach the client intact, or the connection closes.
    @Suite struct LargeContentTests {
        @Test func largeResponseReachesASlowReaderIntact() async throws {
            try await withTestServer { _, port in
                let client = try TestClient(port: port, receiveBufferSize: 8192)
                defer { client.close() }
                let size = 4 * 1024 * 1024
                try client.send(get("/large?size=\(size)") + get("/echo?after"))
                let head = try client.readResponseHead()
                #expect(head.contentLength == size)
                var reads = 0
                let body = try client.readSlowly(count: size, pieceSize: 4096, timeout: .seconds(40)) {
                    reads += 1
                    if reads % 8 == 0 { usleep(1000) }  // A slow reader is the thing under test.
                }
                #expect(body.count == size)
                #expect(body == MockHandler.pattern(count: size))
                #expect(try client.readResponse().text == "GET /echo?after")
            }
        }

        @Test func fileContentIsSentWithSendfile() async throws {
            let file = try TemporaryFile(size: 3 * 1024 * 1024 + 17)
            try await withTestServer(handler: MockHandler(filePath: file.path)) { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/file?offset=0&length=\(file.size)"))
                let whole = try client.readResponse(timeout: .seconds(30))
                #expect(whole.status == 200)
                #expect(whole.header("Content-Type") == "application/octet-stream")
                #expect(whole.body == MockHandler.pattern(count: file.size))

                try client.send(get("/file?offset=12345&length=1000000") + get("/file?offset=7&length=0"))
                let part = try client.readResponse(timeout: .seconds(30))
                #expect(part.body == MockHandler.pattern(count: 1_000_000, from: 12345))
                let empty = try client.readResponse()
                #expect(empty.status == 200)
                #expect(empty.contentLength == 0)
                #expect(await eventually { file.openDescriptorCount == 0 }, "FileRegion descriptors must be closed")
            }
        }

        @Test func fileShorterThanAnnouncedClosesTheConnection() async throws {
            let file = try TemporaryFile(size: 1000)
            try await withTestServer(handler: MockHandler(filePath: file.path)) { _, port in
                let client = try TestClient(port: port)
                defer { client.close() }
                try client.send(get("/file?offset=0&length=5000"))
                // The framing promised 5000 bytes; only closing can tell the client it got less.
                let ending = try client.waitForClose()
                #expect(ending.bytes.count < 5000 + 200)
                #expect(await eventually { file.openDescriptorCount == 0 })
            }
        }

        @Test func contentPatternHelperHasPeriod251AtAnyOffset() {
            #expect(MockHandler.pattern(count: 5, from: 249) == [249, 250, 0, 1, 2])
            #expect(MockHandler.pattern(count: 0, from: 7) == [])
            let long = MockHandler.pattern(count: 1_000, from: 100)
            #expect(long.enumerated().allSatisfy { $0.element == UInt8(($0.offset + 100) % 251) })
        }
    }
}
