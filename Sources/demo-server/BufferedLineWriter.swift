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
///
/// Lines are queued as bytes in one buffer that the writer thread swaps with its own once written:
/// both keep their capacity, so a steady stream of lines allocates nothing.
final class BufferedLineWriter: Sendable {
    private struct State {
        /// The queued lines, newlines included.
        var pending: [UInt8] = []
        var lineCount = 0
        var isWriterWaiting = false
        var isWriting = false
        /// Dropped since the last report.
        var droppedSinceReport = 0
        /// `stop()` was called: the thread ends once the buffer is written.
        var isStopped = false
    }

    /// The most bytes of buffer the writer keeps between batches: room for a few hundred lines.
    private static let keptCapacity = 64 * 1024

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
        appendLine { $0.append(contentsOf: line.utf8) }
    }

    /// Queues the line `write` appends to the buffer it is given (newline included); drops it when
    /// the buffer is full. `write` runs under the buffer's lock, so it must only format. Never
    /// blocks on I/O.
    /// - Parameter write: Appends one line's bytes.
    func appendLine(_ write: (inout [UInt8]) -> Void) {
        guard hasThread.load(ordering: .acquiring) else {
            var line: [UInt8] = []
            write(&line)
            if !writeAll(line) { dropped.add(1, ordering: .relaxed) }
            return
        }
        let shouldWake = state.withLock { state -> Bool in
            let start = state.pending.count
            write(&state.pending)
            guard state.lineCount < maxLines, state.pending.count <= maxBytes else {
                state.pending.removeSubrange(start...)
                state.droppedSinceReport += 1
                dropped.add(1, ordering: .relaxed)
                return false
            }
            state.lineCount += 1
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
            if state.withLock({ $0.pending.isEmpty && !$0.isWriting }) { return true }
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
        // The batch being written; swapped with the queue's buffer, so both keep their capacity.
        var batch: [UInt8] = []
        while true {
            enum Next { case write(lines: Int), wait, end }
            let next = state.withLock { state -> Next in
                guard !state.pending.isEmpty else {
                    if state.isStopped { return .end }
                    state.isWriterWaiting = true
                    return .wait
                }
                swap(&state.pending, &batch)
                defer { state.lineCount = 0 }
                state.isWriting = true
                return .write(lines: state.lineCount)
            }
            let lines: Int
            switch next {
            case .end:
                hasThread.store(false, ordering: .releasing)
                return
            case .wait:
                wake.wait()
                continue
            case .write(let count):
                lines = count
            }
            let written = writeAll(batch)
            // Kept for the next batch, unless a backlog made it large.
            if batch.capacity > Self.keptCapacity { batch = [] } else { batch.removeAll(keepingCapacity: true) }
            // Writing works again: say what was lost meanwhile, in one line.
            let lost = state.withLock { state -> Int in
                defer { state.droppedSinceReport = 0 }
                return written ? state.droppedSinceReport : 0
            }
            if lost > 0 {
                _ = writeAll(Array(report(lost, name).utf8))
            }
            if !written { dropped.add(lines, ordering: .relaxed) }
            state.withLock { $0.isWriting = false }
        }
    }

    /// Writes all of `text` (one line or a batch), blocking this thread (only) while the consumer
    /// is slow.
    /// - Returns: False when the descriptor is unusable (closed pipe, bad descriptor).
    private func writeAll(_ text: [UInt8]) -> Bool {
        text.withUnsafeBufferPointer { bytes in
            guard bytes.count > 0 else { return true }
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
