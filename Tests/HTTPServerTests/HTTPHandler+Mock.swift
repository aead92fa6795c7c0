#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Synchronization

@testable import HTTPServer

/// The handler the integration tests run, one route per behaviour under test.
///
/// - `/echo`: 200 with the request body (or `METHOD target` when empty) and `X-` fields
///   describing the request.
/// - `/late?ms=N`: the echo, answered N ms later from a Dispatch thread.
/// - `/never`: drops the responder without answering (its deinit must answer 500), and
///   records how deep in the stack the handler was called.
/// - `/hold`: keeps the responder in `stash` until the test answers or drops it.
/// - `/large?size=N`: N bytes of `MockHandler.pattern`.
/// - `/file?offset=O&length=L`: a `FileRegion` of `filePath`.
/// - `/status?code=C`: status C with content that must never be sent (for 204/304).
struct MockHandler: HTTPHandler, HTTPServerObserver {
    let stash = ResponderStash()
    let stackProbe = StackProbe()
    let rejections = RejectionLog()
    var filePath: String?
    /// What `bodyPolicy(for:)` answers: the server's limit unless a test sets a route's.
    var bodyPolicy: BodyPolicy = .serverLimit
    let answeredByServer = AnsweredByServerLog()

    func bodyPolicy(for head: HTTPRequest) -> BodyPolicy { bodyPolicy }

    func requestAnsweredByServer(_ request: HTTPRequest, response: HTTPResponse) {
        answeredByServer.add(request, response)
    }

    func requestRejected(_ error: HTTPError, remoteAddress: String) {
        rejections.add(error, remoteAddress: remoteAddress)
    }

    func answer(_ request: HTTPRequest, responder: HTTPResponder) {
        switch request.path {
        case "/echo":
            responder.write(Self.echo(request))
        case "/late":
            let delay = request.queryInt("ms") ?? 50
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delay)) {
                responder.write(Self.echo(request))
            }
        case "/never":
            stackProbe.record()
        case "/hold":
            stash.add(responder)
        case "/large":
            responder.write(HTTPResponse(body: .bytes(Self.pattern(count: request.queryInt("size") ?? 0))))
        case "/file":
            guard let filePath else { return responder.write(.text("no file\n", status: .notFound)) }
            let descriptor = open(filePath, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return responder.write(.text("cannot open\n", status: .internalServerError)) }
            let region = FileRegion(
                descriptor: descriptor, offset: request.queryInt("offset") ?? 0, length: request.queryInt("length") ?? 0)
            responder.write(HTTPResponse(headers: ["Content-Type": "application/octet-stream"], body: .file(region)))
        case "/status":
            let status = HTTPStatus(code: request.queryInt("code") ?? 200, reasonPhrase: "Test")
            responder.write(HTTPResponse(status: status, body: .bytes(Array("must not be sent".utf8))))
        default:
            responder.write(.text("not found\n", status: .notFound))
        }
    }

    static func echo(_ request: HTTPRequest) -> HTTPResponse {
        let body = request.body.isEmpty ? Array("\(request.method) \(request.target)".utf8) : request.body
        return HTTPResponse(
            headers: [
                "X-Method": request.method.rawValue, "X-Target": request.target, "X-Version": "\(request.version)",
                "X-Remote": request.remoteAddress ?? "unknown",
            ],
            body: .bytes(body))
    }

    /// Content that exposes any lost, repeated or shifted byte (period 251, prime, not 256).
    static func pattern(count: Int, from offset: Int = 0) -> [UInt8] {
        // Built from whole periods with bulk copies: a byte-by-byte map of 32 MB takes seconds in
        // debug builds and far longer under ThreadSanitizer.
        let period = (0..<251).map { UInt8($0) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 251)
        bytes.append(contentsOf: period[(offset % 251)...])
        while bytes.count < count { bytes.append(contentsOf: period) }
        bytes.removeLast(bytes.count - count)
        return bytes
    }
}

extension HTTPRequest {
    /// The integer value of a query parameter.
    func queryInt(_ name: String) -> Int? {
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name { return Int(parts[1]) }
        }
        return nil
    }
}

/// The requests the server rejected before the handler saw them, as it reported them.
final class RejectionLog: Sendable {
    private let entries = Mutex<[(error: HTTPError, remoteAddress: String)]>([])

    var all: [(error: HTTPError, remoteAddress: String)] { entries.withLock { $0 } }

    func add(_ error: HTTPError, remoteAddress: String) {
        entries.withLock { $0.append((error, remoteAddress)) }
    }
}

/// Responders a test holds on to, so a request stays "in flight" for as long as the test wants.
final class ResponderStash: Sendable {
    private let responders = Mutex<[HTTPResponder]>([])

    /// How many are held.
    var count: Int { responders.withLock { $0.count } }

    func add(_ responder: HTTPResponder) {
        responders.withLock { $0.append(responder) }
    }

    /// Answers every held request with `response` and forgets them.
    /// - Parameters:
    ///   - response: The answer.
    ///   - again: A second answer for each, which the responder must ignore.
    func respondAll(_ response: HTTPResponse, thenAgain again: HTTPResponse? = nil) {
        let held = responders.withLock { held in
            defer { held = [] }
            return held
        }
        for responder in held {
            responder.write(response)
            if let again { responder.write(again) }
        }
    }

    /// Forgets every held request without answering (each responder then answers 500 itself).
    func dropAll() {
        let held = responders.withLock { held in
            defer { held = [] }
            return held
        }
        _ = held
    }
}

/// Records the stack addresses a handler is called at: if they keep falling, requests are being
/// handled recursively (one stack level per request) instead of one after another.
final class StackProbe: Sendable {
    private let addresses = Mutex<[UInt]>([])

    @inline(never)
    func record() {
        var marker = 0
        let address = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        addresses.withLock { $0.append(address) }
    }

    /// How far apart the deepest and shallowest calls were, in bytes.
    var spread: UInt {
        addresses.withLock { ($0.max() ?? 0) - ($0.min() ?? 0) }
    }

    var count: Int { addresses.withLock { $0.count } }
}

/// Requests the server answered without calling `handle`, with what it sent.
final class AnsweredByServerLog: Sendable {
    private let entries = Mutex<[(request: HTTPRequest, status: HTTPStatus)]>([])

    func add(_ request: HTTPRequest, _ response: HTTPResponse) {
        entries.withLock { $0.append((request, response.status)) }
    }

    var all: [(request: HTTPRequest, status: HTTPStatus)] { entries.withLock { $0 } }
}
