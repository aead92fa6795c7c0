#if PostgreSQL
import Dispatch

/// Runs a store's Swift tasks on a serial Dispatch queue of its own instead of Swift's
/// cooperative pool.
///
/// The `VisitStore` contract lets `init` and `close()` block their caller. A caller on the
/// cooperative pool (an `async` function) would then hold one of its few threads (one per core)
/// while the store's own tasks wait for a thread to run on: with a couple of such callers the
/// pool has none left and everything stops (seen in the tests before this executor existed).
/// A serial queue gets a thread of its own when it has work (libdispatch "overcommits" for
/// serial queues, not for concurrent ones, which share the cooperative pool's threads), so the
/// store's tasks and the child tasks they start (the connection pool's included) never wait for
/// their callers. Serial is enough: the tasks only hand work to SwiftNIO's threads and back.
final class StoreTaskExecutor: TaskExecutor {
    private let queue: DispatchQueue

    /// Creates an executor on a new serial queue.
    /// - Parameter label: The queue's label, seen in debuggers and crash reports.
    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
#endif
