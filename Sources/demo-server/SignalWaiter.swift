import Glibc
import Dispatch
import Synchronization

/// Turns the stop signals into an event the main thread waits for, from the first instruction of
/// `serve` on.
///
/// The signals are blocked in the calling (main) thread before any other thread exists, so every
/// thread started later inherits the mask and none of them can take one: a signal that arrives at
/// any moment of start-up stays pending until the one thread here consumes it with `sigwait`.
/// Catching them with a handler or a Dispatch source instead leaves a window (between ignoring
/// the signal and arming the source) in which one is lost, and one before that window kills the
/// process by the signal, which an orchestrator reports as a failure.
final class SignalWaiter: Sendable {
    private struct State {
        var received: [Int32] = []
    }

    private final class SharedState: Sendable {
        let mutex = Mutex(State())
        let firstSignal = DispatchSemaphore(value: 0)
        let onSecondSignal: @Sendable (Int32) -> Void

        init(onSecondSignal: @escaping @Sendable (Int32) -> Void) {
            self.onSecondSignal = onSecondSignal
        }

        /// Runs on the signal thread for every signal taken.
        func received(_ number: Int32) {
            let count = mutex.withLock { state in
                state.received.append(number)
                return state.received.count
            }
            if count == 1 {
                firstSignal.signal()
            } else {
                onSecondSignal(number)
            }
        }
    }

    private let shared: SharedState

    /// Blocks `signals` in the calling thread and starts the thread that takes them.
    /// Call it on the main thread before any other thread starts.
    /// - Parameters:
    ///   - signals: The signals that stop the process.
    ///   - onSecondSignal: What a signal after the first does ("stop now"); runs on the signal thread.
    init(signals: [Int32], onSecondSignal: @escaping @Sendable (Int32) -> Void) {
        shared = SharedState(onSecondSignal: onSecondSignal)
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let context = Unmanaged.passRetained(SignalThreadContext(set: set, shared: shared)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let context = Unmanaged<SignalThreadContext>.fromOpaque(argument!).takeRetainedValue()
            context.run()
            return nil
        }, context)
        if result == 0 {
            pthread_detach(thread)
        } else {
            // No thread, no way to take the signals: unblock them, so they at least stop the
            // process (by their default action) rather than being held pending for ever.
            Unmanaged<SignalThreadContext>.fromOpaque(context).release()
            pthread_sigmask(SIG_UNBLOCK, &set, nil)
        }
    }

    /// Blocks the calling thread (the main thread, never a task) until the first signal.
    /// - Returns: The signal number.
    func wait() -> Int32 {
        shared.firstSignal.wait()
        return shared.mutex.withLock { $0.received[0] }
    }

    /// The name of a stop signal, for the log.
    static func name(of number: Int32) -> String {
        switch number {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGHUP: "SIGHUP"
        case SIGQUIT: "SIGQUIT"
        default: "signal \(number)"
        }
    }

    /// What the signal thread needs: the set it waits on, and where to report.
    private final class SignalThreadContext {
        var set: sigset_t
        let shared: SharedState

        init(set: sigset_t, shared: SharedState) {
            self.set = set
            self.shared = shared
        }

        /// Takes the signals one at a time for the life of the process.
        func run() {
            while true {
                var number: Int32 = 0
                // sigwait returns an error number (EINTR on some systems), not -1 and errno.
                guard sigwait(&set, &number) == 0 else { continue }
                shared.received(number)
            }
        }
    }
}
