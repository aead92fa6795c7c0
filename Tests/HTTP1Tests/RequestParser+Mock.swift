@testable import HTTP1

/// What a request looks like for comparisons: `HTTPRequest` itself is not `Equatable`.
struct RequestSummary: Equatable, CustomStringConvertible {
    var method: String
    var target: String
    var path: String
    var query: String?
    var version: HTTPVersion
    var headers: [String]
    var body: [UInt8]

    init(_ request: HTTPRequest) {
        method = request.method.rawValue
        target = request.target
        path = request.path
        query = request.query
        version = request.version
        headers = request.headers.map { "\($0.name): \($0.value)" }
        body = request.body
    }

    var description: String {
        "\(method) \(target) \(version) \(headers) body=\(String(decoding: body, as: UTF8.self).debugDescription)"
    }
}

/// Everything a parser produced from one input, however it was split into reads.
struct ParseOutcome: Equatable, CustomStringConvertible {
    var requests: [RequestSummary] = []
    /// `.head` events (a body follows), and which of them asked for `100 Continue`.
    var heads: [Bool] = []
    /// The status of the error that ended parsing, if any.
    var errorStatus: Int?
    /// Input bytes not consumed when the input ran out.
    var unconsumed = 0

    var description: String {
        "requests=\(requests) heads=\(heads) error=\(errorStatus.map(String.init) ?? "none") unconsumed=\(unconsumed)"
    }
}

extension RequestParser {
    /// Feeds `bytes` to a fresh parser in reads ending at `splits` (offsets into `bytes`), calling
    /// `next` after every read until it needs more, as `Connection` does.
    static func outcome(
        of bytes: [UInt8],
        limits: RequestLimits = RequestLimits(),
        splits: [Int] = []
    ) -> ParseOutcome {
        var parser = RequestParser(limits: limits)
        var buffer = InputBuffer()
        var outcome = ParseOutcome()
        var start = 0
        for end in (splits.filter { $0 > 0 && $0 < bytes.count }.sorted() + [bytes.count]) where end > start {
            buffer.append(contentsOf: bytes[start..<end])
            start = end
            // Bounded: every event consumes bytes, and there are at most `bytes.count` of them.
            for _ in 0...bytes.count {
                do {
                    guard let event = try parser.next(&buffer) else { break }
                    switch event {
                    case .head(let head): outcome.heads.append(head.expectsContinue)
                    case .request(let request): outcome.requests.append(RequestSummary(request))
                    }
                } catch let error as HTTPError {
                    outcome.errorStatus = error.status.code
                    outcome.unconsumed = buffer.readableCount
                    return outcome
                } catch {
                    outcome.errorStatus = -1
                    return outcome
                }
            }
        }
        outcome.unconsumed = buffer.readableCount
        return outcome
    }

    /// The outcome of feeding `bytes` one byte per read.
    static func outcomeBytewise(of bytes: [UInt8], limits: RequestLimits = RequestLimits()) -> ParseOutcome {
        outcome(of: bytes, limits: limits, splits: Array(0..<bytes.count))
    }
}

extension Array where Element == UInt8 {
    /// The bytes of `text`, which tests write with `\r\n` spelled out.
    init(http text: String) {
        self = Array(text.utf8)
    }
}
