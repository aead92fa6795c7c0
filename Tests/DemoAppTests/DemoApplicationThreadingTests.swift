import Dispatch
import Foundation
import HTTPServer
import Logging
import Synchronization
import Testing

@testable import DemoApp

/// The store's thread hands back counts only; the page is rendered, counted and logged on the
/// request's event loop, so page views never queue behind the store's commits.
@Suite struct DemoApplicationThreadingTests {
    /// A stand-in event loop: a serial queue that marks the work it runs.
    private static let loopKey = DispatchSpecificKey<Bool>()
    private static let loop: DispatchQueue = {
        let queue = DispatchQueue(label: "test-event-loop")
        queue.setSpecific(key: loopKey, value: true)
        return queue
    }()
    private static var isOnLoop: Bool { DispatchQueue.getSpecific(key: loopKey) == true }

    /// Records, for each access-log line, whether it was written on the stand-in loop.
    private final class ThreadRecorder: Sendable {
        let onLoop = Mutex<[Bool]>([])
    }

    private struct RecordingLogHandler: LogHandler {
        let recorder: ThreadRecorder
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let onLoop = DemoApplicationThreadingTests.isOnLoop
            recorder.onLoop.withLock { $0.append(onLoop) }
        }
    }

    private func respond(_ application: DemoApplication, to request: HTTPRequest) async -> (HTTPResponse, Bool) {
        await withCheckedContinuation { continuation in
            Self.loop.async {
                let responder = HTTPResponder(eventLoop: { work in Self.loop.async(execute: work) }) { response in
                    continuation.resume(returning: (response, Self.isOnLoop))
                }
                application.answer(request, responder: responder)
            }
        }
    }

    @Test func pageAndVisitsAreAnsweredAndLoggedOnTheEventLoopNotTheStoreThread() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let recorder = ThreadRecorder()
        let application = try DemoApplication(
            configuration: DemoConfiguration(publicDirectory: fixture.publicDirectory, imageVariant: "test"),
            store: fixture.store,
            serverStatistics: fixture.statistics,
            logger: DemoFixture.silentLogger,
            accessLogger: Logger(label: "access") { _ in RecordingLogHandler(recorder: recorder) })
        let requests = [
            HTTPRequest(method: .get, target: "/"),
            HTTPRequest(method: .head, target: "/"),
            HTTPRequest(method: .get, target: "/api/visits"),
            HTTPRequest(method: .post, target: "/api/visits", headers: ["Content-Type": "application/json"], body: Array("{}".utf8)),
            HTTPRequest(method: .get, target: "/readyz"),
        ]
        for request in requests {
            let (response, answeredOnLoop) = await respond(application, to: request)
            #expect(response.status.code < 300, "\(request.method) \(request.target)")
            #expect(answeredOnLoop, "\(request.method) \(request.target) was answered off the event loop")
        }
        let logged = recorder.onLoop.withLock { $0 }
        #expect(logged.count == requests.count)
        #expect(logged.allSatisfy { $0 }, "access-log lines written off the event loop")
    }
}
