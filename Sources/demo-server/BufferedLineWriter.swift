import Glibc
import Dispatch
import Synchronization

/// Writes log lines to one descriptor from a thread of its own, through a bounded buffer, so a
/// log consumer that stalls (a full pipe, a stuck logging driver) never stalls the threads that
/// log: the event loops.
///
/// `append` never blocks on I/O: it queues the line, or drops it when the buffer is full (lines
/// or bytes) and counts it. When a write goes through again after drops, one line reports how
/// many were lost. What is buffered at shutdown is flushed, for a bounded time.
final class BufferedLineWriter: Sendable {
    private struct State {
        var lines: [String] = []
        var bytes = 0
        var isWriterWaiting = false
        var isWriting = false
        /// Dropped since the last report.
        var droppedSinceReport = 0
        /// `stop()` was called: the thread ends once the buffer is written.
        var isStopped = false
    }

    private let descriptor: Int32
    private let name: String
    private let maxLines: Int
    private let maxBytes: Int
    private let report: @Sendable (_ dropped: Int, _ stream: String) -> String
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let dropped = Atomic<Int>(0)
    /// False only when the writer thread could not be started.
    private let hasThread = Atomic<Bool>(false)

    /// Starts the writer thread.
    /// - Parameters:
    ///   - descriptor: Where the lines go (`STDOUT_FILENO`, `STDERR_FILENO`).
    ///   - name: The stream's name for the drop report (`stdout`).
    ///   - maxLines: The most lines buffered; more are dropped.
    ///   - maxBytes: The most bytes buffered; more are dropped.
    ///   - report: Formats the line that reports drops once writing works again.
    init(
        descriptor: Int32, name: String, maxLines: Int, maxBytes: Int,
        report: @escaping @Sendable (_ dropped: Int, _ stream: String) -> String
    ) {
        self.descriptor = descriptor
        self.name = name
        self.maxLines = maxLines
        self.maxBytes = maxBytes
        self.report = report
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let writer = Unmanaged<BufferedLineWriter>.fromOpaque(argument!).takeRetainedValue()
            writer.run()
            return nil
        }, box)
        if result == 0 {
            pthread_detach(thread)
            hasThread.store(true, ordering: .releasing)
        } else {
            // No thread (the process is out of threads or memory at start-up): write in the
            // caller rather than lose every line.
            Unmanaged<BufferedLineWriter>.fromOpaque(box).release()
        }
    }

    /// Lines dropped since start because the buffer was full.
    var droppedLines: Int { dropped.load(ordering: .relaxed) }

    /// Queues `line` (which ends in a newline); drops it when the buffer is full. Never blocks
    /// on I/O.
    func append(_ line: String) {
        guard hasThread.load(ordering: .acquiring) else {
            var text = line
            if !writeAll(&text) { dropped.add(1, ordering: .relaxed) }
            return
        }
        let byteCount = line.utf8.count
        let shouldWake = state.withLock { state -> Bool in
            guard state.lines.count < maxLines, state.bytes + byteCount <= maxBytes else {
                state.droppedSinceReport += 1
                dropped.add(1, ordering: .relaxed)
                return false
            }
            state.lines.append(line)
            state.bytes += byteCount
            guard state.isWriterWaiting else { return false }
            state.isWriterWaiting = false
            return true
        }
        if shouldWake { wake.signal() }
    }

    /// Waits until everything queued so far is written, at most `timeout`: at shutdown, so the
    /// last lines are not lost, without hanging on a consumer that never reads.
    /// - Returns: Whether everything was written.
    @discardableResult
    func flush(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        for _ in 0..<1_000_000 {
            if state.withLock({ $0.lines.isEmpty && !$0.isWriting }) { return true }
            guard ContinuousClock.now < deadline else { return false }
            usleep(1_000)
        }
        return false
    }

    /// Writes what is buffered, then ends the writer thread; later lines are written by the
    /// caller. For a writer that is no longer needed (tests); the process's own writers live
    /// until it exits.
    func stop() {
        let shouldWake = state.withLock { state -> Bool in
            state.isStopped = true
            defer { state.isWriterWaiting = false }
            return state.isWriterWaiting
        }
        if shouldWake { wake.signal() }
    }

    private func run() {
        while true {
            let batch = state.withLock { state -> [String]? in
                guard !state.lines.isEmpty else {
                    if state.isStopped { return nil }
                    state.isWriterWaiting = true
                    return []
                }
                defer {
                    state.lines = []
                    state.bytes = 0
                }
                state.isWriting = true
                return state.lines
            }
            guard let batch else {
                hasThread.store(false, ordering: .releasing)
                return
            }
            guard !batch.isEmpty else {
                wake.wait()
                continue
            }
            var text = batch.joined()
            let written = writeAll(&text)
            // Writing works again: say what was lost meanwhile, in one line.
            let lost = state.withLock { state -> Int in
                defer { state.droppedSinceReport = 0 }
                return written ? state.droppedSinceReport : 0
            }
            if lost > 0 {
                var line = report(lost, name)
                _ = writeAll(&line)
            }
            if !written { dropped.add(batch.count, ordering: .relaxed) }
            state.withLock { $0.isWriting = false }
        }
    }

    /// Writes all of `text`, blocking this thread (only) while the consumer is slow.
    /// - Returns: False when the descriptor is unusable (closed pipe, bad descriptor).
    private func writeAll(_ text: inout String) -> Bool {
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let count = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if count > 0 {
                    offset += count
                    continue
                }
                switch errno {
                case EINTR:
                    continue
                case EAGAIN:
                    // An inherited non-blocking descriptor: wait for room instead of spinning.
                    var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&entry, 1, 1000)
                default:
                    return false
                }
            }
            return true
        }
    }
}
