import Foundation
import Testing
import TestSupport

/// The real binary stops cleanly on SIGTERM and SIGINT, draining what is in flight.
@Suite(.serialized) struct ShutdownTests {
    @Test func servesThePageAndStopsCleanlyOnSIGTERM() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start(environment: ["IMAGE_VARIANT": "testing"])
        let page = try TestClient.get(port: server.port, "/")
        #expect(page.status == 200)
        #expect(page.text.contains("<span class=\"badge\">testing</span>"))
        #expect(try TestClient.get(port: server.port, "/basic").text == "Just a basic route, nothing here!")
        #expect(try TestClient.get(port: server.port, "/style.css").header("content-type") == "text/css; charset=utf-8")
        #expect(server.stop(signal: SIGTERM) == 0)
        #expect(server.standardOutput.contains("stopped cleanly"))
        #expect(server.standardError.isEmpty, "no errors on a clean stop: \(server.standardError)")
    }

    @Test func drainClosesConnectionsOnceTheirResponseIsOutAndExitsBeforeTheDeadline() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let publicDirectory = server.directory + "/public"
        try FileManager.default.createDirectory(atPath: publicDirectory, withIntermediateDirectories: true)
        let size = 4 * 1024 * 1024
        try Data(repeating: 0x61, count: size).write(to: URL(fileURLWithPath: publicDirectory + "/big.bin"))
        // A deadline far beyond every wait here: only the drain itself can end the process in time.
        try server.start(environment: ["PUBLIC_DIR": publicDirectory, "SHUTDOWN_TIMEOUT": "300"])

        let idle = try TestClient(port: server.port)
        try idle.send("GET /basic HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try idle.read(atLeast: 1).count > 0)
        let busy = try TestClient(port: server.port, receiveBufferSize: 4096)
        try busy.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        var received = try busy.read(atLeast: 1024)  // The response is in flight, far from done.

        kill(server.process.processIdentifier, SIGTERM)
        // The idle keep-alive connection is closed at once; the busy one gets its whole response,
        // then is closed too.
        _ = try idle.waitForClose(timeout: .seconds(30))
        received += try busy.waitForClose(timeout: .seconds(60)).bytes
        let headEnd = try #require(received.firstRange(of: Array("\r\n\r\n".utf8)))
        #expect(received.count - headEnd.upperBound == size)
        // The one SIGTERM above stops it: another would mean "skip the drain".
        #expect(server.waitForExit(timeout: 60) == 0)
        #expect(!server.standardOutput.contains("shutdown deadline passed"))
        #expect(!server.standardError.contains("shutdown deadline passed"))
        #expect(server.standardOutput.contains("stopped cleanly"))
    }

    @Test func sigintStopsCleanlyToo() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        #expect(server.stop(signal: SIGINT) == 0)
    }
}
