import Glibc

/// Where the log lines go: stdout (info and below) and stderr (warnings and errors), each through
/// its own `BufferedLineWriter`, so a stalled stdout holds up neither requests nor error lines.
final class LogOutput: Sendable {
    let standardOutput: BufferedLineWriter
    let standardError: BufferedLineWriter

    /// The most lines each stream buffers while its consumer is slow.
    static let defaultMaxLines = 8192
    /// The most bytes each stream buffers (access lines are ~200 bytes; a few are much longer).
    static let maxBytes = 4 * 1024 * 1024

    /// Starts one writer thread per stream.
    /// - Parameters:
    ///   - format: The line format, also for the drop report.
    ///   - maxLines: The most lines each stream buffers.
    ///   - standardOutput: The descriptor for info and below.
    ///   - standardError: The descriptor for warnings and errors.
    init(format: LogFormat, maxLines: Int = defaultMaxLines, standardOutput: Int32 = STDOUT_FILENO, standardError: Int32 = STDERR_FILENO) {
        // A log consumer that went away (`demo-server | head`) must not kill the server: the
        // write fails with EPIPE and its lines count as dropped.
        signal(SIGPIPE, SIG_IGN)
        let report: @Sendable (Int, String) -> String = { dropped, stream in
            LineLogHandler.line(
                label: "demo-server", level: .warning, message: "dropped \(dropped) log lines while \(stream) was blocked",
                fields: ["dropped": "\(dropped)", "stream": "\(stream)"], format: format)
        }
        self.standardOutput = BufferedLineWriter(
            descriptor: standardOutput, name: "stdout", maxLines: maxLines, maxBytes: Self.maxBytes, report: report)
        self.standardError = BufferedLineWriter(
            descriptor: standardError, name: "stderr", maxLines: maxLines, maxBytes: Self.maxBytes, report: report)
    }

    /// Lines dropped on either stream since start.
    var droppedLines: Int { standardOutput.droppedLines + standardError.droppedLines }

    /// Writes what is buffered, at most `timeout` per stream (a consumer that never reads must
    /// not keep the process from exiting).
    func flush(timeout: Duration) {
        standardError.flush(timeout: timeout)
        standardOutput.flush(timeout: timeout)
    }

    /// Writes what is buffered (for at most two seconds per stream) and ends both writer
    /// threads (for tests).
    func stop() {
        flush(timeout: .seconds(2))
        standardOutput.stop()
        standardError.stop()
    }
}
