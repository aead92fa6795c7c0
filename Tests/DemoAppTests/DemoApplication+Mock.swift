@testable import DemoApp
import Foundation
import HTTPServer
import Logging
import TestSupport

/// A demo application on a temporary public directory and database, removed by `close()`.
final class DemoFixture: Sendable {
    private let temporary: TemporaryDirectory
    let directory: String
    let publicDirectory: String
    let store: SQLiteVisitStore
    let databasePath: String
    let application: DemoApplication
    let statistics = ServerStatistics()

    static let silentLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// - Parameters:
    ///   - variant: The image variant the page reports.
    ///   - files: Files to put in the public directory, by relative path.
    ///   - maxVariants: `MAX_VARIANTS`.
    ///   - busyTimeoutMilliseconds: How long a visit waits for another connection's write lock.
    init(
        variant: String = "test", files: [String: String] = ["style.css": "body { color: black; }\n"],
        maxVariants: Int = DemoConfiguration.defaultMaxVariants,
        busyTimeoutMilliseconds: Int32 = SQLiteVisitStore.busyTimeoutMilliseconds
    ) throws {
        temporary = try TemporaryDirectory(prefix: "demo-app-tests-")
        directory = temporary.path
        publicDirectory = directory + "/Public"
        try FileManager.default.createDirectory(atPath: publicDirectory, withIntermediateDirectories: true)
        for (path, contents) in files {
            let url = URL(fileURLWithPath: publicDirectory + "/" + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: url)
        }
        databasePath = directory + "/data/visits.sqlite"
        store = try SQLiteVisitStore(path: databasePath, logger: Self.silentLogger, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        application = try DemoApplication(
            configuration: DemoConfiguration(publicDirectory: publicDirectory, imageVariant: variant, maxVariants: maxVariants),
            store: store,
            serverStatistics: statistics,
            logger: Self.silentLogger,
            accessLogger: nil)
    }

    /// Calls the application without a server.
    func get(_ target: String, headers: HTTPHeaders = [:]) async -> HTTPResponse {
        await application.response(to: HTTPRequest(method: .get, target: target, headers: headers))
    }

    /// Posts a visit to `/api/visits` without a server.
    func post(_ body: String, contentType: String? = "application/json") async -> HTTPResponse {
        var headers: HTTPHeaders = [:]
        if let contentType { headers.add("Content-Type", contentType) }
        return await application.response(to: HTTPRequest(method: .post, target: "/api/visits", headers: headers, body: Array(body.utf8)))
    }

    func close() {
        store.close()
        temporary.remove()
    }
}

extension HTTPResponse {
    /// The body as UTF-8 text (in-memory bodies; a file body reads its region).
    var text: String {
        switch body {
        case .empty: return ""
        case .bytes(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .file(let region):
            var bytes = [UInt8](repeating: 0, count: region.length)
            let count = bytes.withUnsafeMutableBytes { pread(region.descriptor, $0.baseAddress, region.length, off_t(region.offset)) }
            return String(decoding: bytes.prefix(max(0, count)), as: UTF8.self)
        }
    }
}

/// A store that always fails, for the 503 paths.
struct FailingVisitStore: VisitStore {
    struct Failure: Error {}

    func recordVisit(variant: String, completion: @escaping @Sendable (Result<VisitCounts, any Error>) -> Void) {
        completion(.failure(Failure()))
    }

    func counts(completion: @escaping @Sendable (Result<VisitCounts, any Error>) -> Void) {
        completion(.failure(Failure()))
    }

    func checkHealth(completion: @escaping @Sendable (Bool) -> Void) {
        completion(false)
    }

    func close() {}
}
