import Foundation
import Logging
import Testing

@testable import demo_server

/// The logging backend: formatting (metadata precedence) and the bounded, non-blocking writer.
@Suite struct LineLogHandlerTests {
    /// A pipe whose read end the test controls.
    private final class TestPipe {
        let readEnd: Int32
        let writeEnd: Int32

        init(capacity: Int32? = nil) throws {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw ServerProcessError("pipe failed") }
            readEnd = ends[0]
            writeEnd = ends[1]
            // F_SETPIPE_SZ (Linux; not exported to Swift): a small pipe fills after a few lines.
            if let capacity { _ = fcntl(writeEnd, 1024 + 7, capacity) }
        }

        deinit {
            close(readEnd)
            close(writeEnd)
        }

        /// Reads what is there now (non-blocking), up to `limit` bytes.
        func receiveAvailable(limit: Int = 1 << 20) -> String {
            var result: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while result.count < limit {
                var entry = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
                guard poll(&entry, 1, 0) > 0 else { break }
                let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                result += buffer[..<count]
            }
            return String(decoding: result, as: UTF8.self)
        }

        /// Reads until `text` has appeared or `timeout` passed.
        func receive(until text: String, timeout: Duration = .seconds(10)) -> String {
            let deadline = ContinuousClock.now + timeout
            var seen = ""
            for _ in 0..<100_000 where ContinuousClock.now < deadline {
                seen += receiveAvailable()
                if seen.contains(text) { break }
                var entry = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
                _ = poll(&entry, 1, 10)
            }
            return seen
        }
    }

    private enum RequestID {
        @TaskLocal static var current: String?
    }

    @Test func metadataProviderValuesAppearInTheLine() async throws {
        let out = try TestPipe()
        let err = try TestPipe()
        let output = LogOutput(format: .text, standardOutput: out.writeEnd, standardError: err.writeEnd)
        defer { output.stop() }
        var handler = LineLogHandler(label: "test", format: .text, output: output, logLevel: .info)
        handler.metadataProvider = Logger.MetadataProvider { ["request_id": "\(RequestID.current ?? "-")", "shared": "provider"] }
        handler.metadata = ["shared": "handler", "service": "demo"]
        let logger = Logger(label: "test") { _ in handler }
        RequestID.$current.withValue("r-42") {
            logger.info("served", metadata: ["status": "200"])
        }
        logger.info("served", metadata: ["shared": "event"])
        let text = out.receive(until: "shared=event")
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix("info test: served request_id=r-42 service=demo shared=provider status=200") == true)
        #expect(lines.last?.hasSuffix("info test: served request_id=- service=demo shared=event") == true)
    }

    @Test func warningsGoToStandardErrorAsJSON() async throws {
        let out = try TestPipe()
        let err = try TestPipe()
        let output = LogOutput(format: .json, standardOutput: out.writeEnd, standardError: err.writeEnd)
        defer { output.stop() }
        let logger = Logger(label: "test") { LineLogHandler(label: $0, format: .json, output: output, logLevel: .info) }
        logger.error("disk \"full\"")
        output.flush(timeout: .seconds(5))
        let line = err.receive(until: "\n")
        #expect(line.contains(#""level":"error","logger":"test","message":"disk \"full\"""#))
        #expect(out.receiveAvailable().isEmpty)
    }

    @Test func stalledConsumerDropsCountsAndReportsInsteadOfBlocking() throws {
        let out = try TestPipe(capacity: 4096)
        let err = try TestPipe()
        let output = LogOutput(format: .text, maxLines: 16, standardOutput: out.writeEnd, standardError: err.writeEnd)
        defer { output.stop() }
        let logger = Logger(label: "test") { LineLogHandler(label: $0, format: .text, output: output, logLevel: .info) }
        // Nobody reads: the pipe fills (4 KiB), then the buffer (16 lines), then lines drop. Each
        // call returns at once; a blocking backend would hang here for good.
        let padding = String(repeating: "p", count: 100)
        for index in 0..<500 { logger.info("line \(index) \(padding)") }
        #expect(output.droppedLines > 0)
        let dropped = output.droppedLines
        // The consumer comes back: buffered lines go out, and report lines say what was lost
        // meanwhile (one per stall that dropped lines), adding up to the count in the metrics.
        var all = out.receive(until: "was blocked")
        for _ in 0..<10_000 {
            // Everything is out once the writer is idle and the pipe holds nothing more.
            let isIdle = output.standardOutput.flush(timeout: .zero)
            let more = out.receiveAvailable()
            all += more
            if isIdle && more.isEmpty { break }
            usleep(1_000)
        }
        #expect(all.contains("line 0 "))
        let reports = all.split(separator: "\n").filter { $0.contains("log lines while stdout was blocked") }
        #expect(!reports.isEmpty)
        let reported = reports.compactMap { line -> Int? in
            guard let range = line.range(of: "dropped ") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(reported.reduce(0, +) == dropped)
        #expect(all.split(separator: "\n").count == 500 - dropped + reports.count)
        #expect(err.receiveAvailable().isEmpty)
    }
}
