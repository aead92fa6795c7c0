#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Synchronization

/// Turns SIGTERM and SIGINT into an event the main thread waits for.
///
/// The default action of both is to kill the process, and as PID 1 in a container the kernel
/// ignores them instead; either way there would be no drain. The signals are set to SIG_IGN and
/// watched through Dispatch sources, which works in both cases.
final class SignalWaiter: Sendable {
    private struct State {
        var received: [Int32] = []
        var onSecondSignal: (@Sendable () -> Void)?
    }

    private final class SharedState: Sendable {
        let mutex = Mutex(State())
        let firstSignal = DispatchSemaphore(value: 0)
    }

    private let shared = SharedState()
    // Kept only so the sources live as long as the waiter; never touched after init.
    nonisolated(unsafe) private let sources: [any DispatchSourceSignal]

    /// Starts watching.
    /// - Parameter signals: The signals to catch.
    init(signals: [Int32]) {
        let queue = DispatchQueue(label: "demo-server.signals")
        var sources: [any DispatchSourceSignal] = []
        let shared = self.shared
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                let (isFirst, second) = shared.mutex.withLock { state -> (Bool, (@Sendable () -> Void)?) in
                    state.received.append(number)
                    return (state.received.count == 1, state.received.count > 1 ? state.onSecondSignal : nil)
                }
                if isFirst { shared.firstSignal.signal() }
                second?()
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// Blocks the calling thread (the main thread, never a task) until the first signal.
    /// - Returns: The signal number.
    func wait() -> Int32 {
        shared.firstSignal.wait()
        return shared.mutex.withLock { $0.received[0] }
    }

    /// Sets what to do if another signal arrives after the first.
    /// - Parameter action: Runs on the signal queue.
    func onSecondSignal(_ action: @escaping @Sendable () -> Void) {
        shared.mutex.withLock { $0.onSecondSignal = action }
    }
}
