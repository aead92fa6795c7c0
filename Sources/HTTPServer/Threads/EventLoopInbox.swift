import CHTTPShims
import Glibc
import Synchronization

/// How any thread hands work to one event loop: a locked queue, and an eventfd the loop waits on
/// in `epoll_wait` that a hand-off writes to wake it. It holds neither the loop nor its
/// connections, so a responder that outlives both (a store thread answering after shutdown) keeps
/// only this alive, and its work is dropped once the loop has stopped.
final class EventLoopInbox: Sendable {
    /// The descriptor the loop registers with epoll; readable when work is waiting.
    let wakeDescriptor: Int32
    private let queue = Mutex<Queue>(Queue())
    /// The loop thread's identity (`currentThreadToken`), 0 until it runs. Atomic because any
    /// thread reads it in `isCurrentThread` while the loop thread sets it at start.
    private let loopThread = Atomic<UInt>(0)

    private struct Queue {
        var tasks: [@Sendable () -> Void] = []
        var isWakePending = false
        var isStopped = false
    }

    /// Creates the inbox and its eventfd.
    /// - Throws: `SocketError` when no eventfd can be made.
    init() throws {
        wakeDescriptor = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard wakeDescriptor >= 0 else { throw SocketError.failed("eventfd") }
    }

    /// Records the calling thread as the loop's; called once, first thing on the loop's thread.
    func adoptCurrentThread() {
        loopThread.store(Self.currentThreadToken(), ordering: .releasing)
    }

    /// Whether the caller runs on the loop's thread. Any thread may ask.
    var isCurrentThread: Bool {
        loopThread.load(ordering: .acquiring) == Self.currentThreadToken()
    }

    /// Runs `task` on the loop's thread: at once when called there, else at its next wake-up.
    func runOnLoop(_ task: @escaping @Sendable () -> Void) {
        if isCurrentThread {
            task()
        } else {
            schedule(task)
        }
    }

    /// Queues `task` for the loop's next wake-up, even when called on the loop's thread (to run
    /// it after the current event instead of re-entering a connection).
    func schedule(_ task: @escaping @Sendable () -> Void) {
        // The eventfd is written under the lock so it cannot be closed (and its number reused by
        // another file) between the check and the write.
        queue.withLock { queue in
            // A stopped loop has closed all its connections: a late response has nowhere to go.
            guard !queue.isStopped else { return }
            queue.tasks.append(task)
            guard !queue.isWakePending else { return }
            queue.isWakePending = true
            var one: UInt64 = 1
            _ = write(wakeDescriptor, &one, MemoryLayout<UInt64>.size)
        }
    }

    /// The work handed in since the last call, after the eventfd woke the loop; on the loop's thread.
    func takeTasks() -> [@Sendable () -> Void] {
        var value: UInt64 = 0
        _ = read(wakeDescriptor, &value, MemoryLayout<UInt64>.size)
        return queue.withLock { queue in
            queue.isWakePending = false
            defer { queue.tasks = [] }
            return queue.tasks
        }
    }

    /// Drops waiting work, refuses any more and closes the eventfd (which also takes it out of
    /// the loop's epoll set). Called once, when the loop stops or never started.
    func stop() {
        queue.withLock { queue in
            guard !queue.isStopped else { return }
            queue.isStopped = true
            queue.tasks = []
            close(wakeDescriptor)
        }
    }

    /// The calling thread's `pthread_t` as a number, which an atomic can hold; never 0 for a
    /// running thread.
    private static func currentThreadToken() -> UInt {
        UInt(pthread_self())
    }
}
