#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Synchronization

/// Turns SIGTERM and SIGINT into an awaitable event.
///
/// The default action of both is to kill the process, and as PID 1 in a container the kernel
/// ignores them instead; either way there would be no drain. The signals are set to SIG_IGN and
/// watched through Dispatch sources, which works in both cases.
final class SignalWaiter: Sendable {
    private struct State {
        var received: [Int32] = []
        var waiter: CheckedContinuation<Int32, Never>?
        var onSecondSignal: (@Sendable () -> Void)?
    }

    private final class SharedState: Sendable {
        let mutex = Mutex(State())
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
                let (waiter, second) = shared.mutex.withLock { state -> (CheckedContinuation<Int32, Never>?, (@Sendable () -> Void)?) in
                    state.received.append(number)
                    let waiter = state.waiter
                    state.waiter = nil
                    return (waiter, state.received.count > 1 ? state.onSecondSignal : nil)
                }
                waiter?.resume(returning: number)
                second?()
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// Waits for the first signal.
    /// - Returns: The signal number.
    func next() async -> Int32 {
        await withCheckedContinuation { continuation in
            let early = shared.mutex.withLock { state -> Int32? in
                if let first = state.received.first { return first }
                state.waiter = continuation
                return nil
            }
            if let early { continuation.resume(returning: early) }
        }
    }

    /// Sets what to do if another signal arrives after the first.
    /// - Parameter action: Runs on the signal queue.
    func onSecondSignal(_ action: @escaping @Sendable () -> Void) {
        shared.mutex.withLock { $0.onSecondSignal = action }
    }
}
