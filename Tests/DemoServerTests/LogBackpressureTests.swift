import Foundation
import Testing
import TestSupport

/// The real binary with a stdout that nobody reads for a while (a full pipe, a stalled logging
/// driver): requests keep being served, dropped lines are counted in `/metrics`, and reported in
/// one line once stdout is read again.
@Suite(.serialized) struct LogBackpressureTests {
    /// Reads what the pipe holds now, without blocking.
    private static func drain(_ descriptor: Int32) -> String {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        for _ in 0..<10_000 {
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 0) > 0 else { break }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            result += buffer[..<count]
        }
        return String(decoding: result, as: UTF8.self)
    }

    @Test func unreadStdoutNeverStopsRequestsAndDropsAreCountedAndReported() throws {
        let temporary = try TemporaryDirectory(prefix: "demo-server-log-")
        defer { temporary.remove() }
        let directory = temporary.path
        let port = try LoopbackPort.free()
        let stdout = Pipe()
        let stderr = Pipe()
        // A one-page pipe fills after a few dozen access lines.
        _ = fcntl(stdout.fileHandleForWriting.fileDescriptor, 1024 + 7 /* F_SETPIPE_SZ */, 4096)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binaryPath)
        process.environment = [
            "PATH": "/usr/bin:/bin", "PORT": "\(port)", "HOST": "127.0.0.1", "DATABASE_PATH": directory + "/visits.sqlite",
            "PUBLIC_DIR": ServerProcess.repositoryPublicDirectory, "LOG_BUFFER_LINES": "32",
        ]
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        // Ready when it answers; nothing reads stdout from here on.
        var ready = false
        for _ in 0..<3000 where !ready {
            ready = (try? TestClient.get(port: port, "/healthz").status) == 200
            if !ready { usleep(10_000) }
        }
        try #require(ready, "the server did not start")

        // 300 requests, each logged: far more than the pipe and the 32-line buffer hold. With a
        // log written on the event loop, the loop would block in write(2) after a few dozen.
        for index in 0..<300 {
            let response = try TestClient.get(port: port, "/basic?n=\(index)")
            #expect(response.status == 200)
            if response.status != 200 { break }
        }
        let metrics = try TestClient.get(port: port, "/metrics")
        let droppedLine = metrics.text.split(separator: "\n").first { $0.hasPrefix("log_lines_dropped_total ") }
        let dropped = Int(droppedLine?.split(separator: " ").last ?? "") ?? 0
        #expect(dropped > 200)

        // The consumer comes back: the buffered lines and one report arrive.
        let reader = stdout.fileHandleForReading.fileDescriptor
        var text = ""
        for _ in 0..<2000 where !text.contains("log lines while stdout was blocked") {
            text += Self.drain(reader)
            usleep(5_000)
        }
        #expect(text.contains("log lines while stdout was blocked"))
        #expect(text.contains("GET /basic?n="))

        // A clean stop flushes the rest.
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<2000 where process.isRunning {
            text += Self.drain(reader)
            usleep(5_000)
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        text += String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.contains("stopped cleanly"))
    }
}
