import Testing

@testable import HTTP1

/// Inputs found by the parser fuzzer (`scripts/fuzz.sh`, target `Fuzz/ParserFuzzTarget.swift`),
/// kept as regression tests. Each test states the invariant the fuzzer checks and the bytes that
/// broke it.
@Suite("RequestParser fuzz regressions")
struct RequestParserFuzzRegressionTests {
    /// The limits the fuzz target uses, so its findings reproduce with short inputs.
    static let fuzzLimits = RequestLimits(maxRequestLineLength: 48, maxHeaderBytes: 160, maxHeaderCount: 6, maxBodySize: 48)

    // MARK: - Status must not depend on how the stream is split into reads

    /// A request line longer than the limit, then a bare CR in a header line. Found by the fuzzer.
    ///
    /// `scanForHeadEnd` checked bare CR/LF as it scanned but the limits only at the end of what
    /// was buffered. Fed whole, the scan met the bare CR before any limit check: 400. Split
    /// before the request line's CR, the limit check on the partial buffer fired: 414. The same
    /// held for the head-size limit (431) against a syntax error after `maxHeaderBytes`.
    /// Fixed in 2951b56 (limits are checked at the byte that breaks them).
    /// The same bytes from the same client must get the same answer however TCP segments them;
    /// the earliest violation in stream order is the request line passing 48 bytes (414).
    static let longRequestLineThenBareCR: [UInt8] =
        Array("GET /\(String(repeating: "a", count: 60)) HTTP/1.1\r\nHost: a\rX\r\n\r\n".utf8)

    /// A request line longer than the limit in a complete head larger than the head limit.
    ///
    /// Fed whole, the complete head was checked for size first (431); split before the request
    /// line's CR, the partial buffer was checked for line length first (414). Fixed in 5483d8c
    /// (the request line is checked first on both paths); kept as a regression test.
    static let longRequestLineInOversizedHead: [UInt8] =
        Array("GET /\(String(repeating: "a", count: 60)) HTTP/1.1\r\nHost: a\r\nCookie: \(String(repeating: "c", count: 120))\r\n\r\n".utf8)

    /// A head longer than `maxHeaderBytes` with a bare CR after the limit: whole 400, split
    /// after byte 160 (before the bare CR) 431.
    static let oversizedHeadThenBareCR: [UInt8] =
        Array("GET / HTTP/1.1\r\nHost: a\r\nCookie: \(String(repeating: "c", count: 150))\rX\r\n\r\n".utf8)

    /// A named input, so test output shows the name rather than hundreds of bytes.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: [UInt8]
        var testDescription: String { name }
    }

    @Test("head limit errors do not depend on read boundaries", arguments: [
        Case(name: "long request line, then bare CR", input: longRequestLineThenBareCR),
        Case(name: "oversized head, then bare CR", input: oversizedHeadThenBareCR),
        Case(name: "long request line in an oversized head", input: longRequestLineInOversizedHead),
    ])
    func headLimitStatusIsIndependentOfSplits(_ testCase: Case) {
        let name = testCase.name
        let input = testCase.input
        let whole = FuzzFeed.run(input, limits: Self.fuzzLimits, reads: [input.count])
        #expect(whole.errorStatus != nil, "\(name): must be rejected")
        for cut in 1..<input.count {
            let split = FuzzFeed.run(input, limits: Self.fuzzLimits, reads: [cut, input.count - cut])
            #expect(split == whole, "\(name): split at \(cut) gives \(split), whole gives \(whole)")
            if split != whole { break }  // one failure says it; don't print a hundred
        }
        let bytewise = FuzzFeed.run(input, limits: Self.fuzzLimits, reads: Array(repeating: 1, count: input.count))
        #expect(bytewise == whole, "\(name): byte by byte gives \(bytewise), whole gives \(whole)")
    }

    // MARK: - Invariants the fuzzer checks, on the seed shapes (these pass today)

    @Test("pipelined requests frame the same whole, split and byte by byte")
    func pipelinedFramingIsIndependentOfSplits() {
        let input = Array(
            ("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                + "POST /b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\ndef\r\n0\r\nT: 1\r\n\r\n"
                + "\r\nGET /c HTTP/1.0\r\n\r\n").utf8)
        let whole = FuzzFeed.run(input, limits: Self.fuzzLimits, reads: [input.count])
        #expect(whole.errorStatus == nil)
        #expect(whole.requests.map(\.target) == ["/a", "/b", "/c"])
        #expect(whole.requests.map(\.body) == [Array("abc".utf8), Array("def".utf8), []])
        #expect(whole.consumed == input.count)
        for cut in 0...input.count {
            #expect(FuzzFeed.run(input, limits: Self.fuzzLimits, reads: [cut, input.count - cut]) == whole, "split at \(cut)")
        }
        #expect(FuzzFeed.run(input, limits: Self.fuzzLimits, reads: Array(repeating: 1, count: input.count)) == whole)
    }
}

/// What feeding one input produced: the same reduction the fuzz target compares.
private struct FuzzFeedOutcome: Equatable, CustomStringConvertible {
    struct Request: Equatable {
        var method: String
        var target: String
        var headers: [String]
        var body: [UInt8]
        var endOffset: Int
    }

    var requests: [Request] = []
    /// Offsets at which `.head` events ended.
    var heads: [Int] = []
    var errorStatus: Int?
    var consumed = 0

    var description: String {
        "requests=\(requests.map { "\($0.method) \($0.target) body=\($0.body.count)B end=\($0.endOffset)" }) heads=\(heads) error=\(errorStatus.map(String.init) ?? "none") consumed=\(consumed)"
    }
}

/// Feeds bytes to a fresh parser in reads of the given sizes, draining after each read as
/// `Connection` does (and as the fuzz target does).
private enum FuzzFeed {
    static func run(_ input: [UInt8], limits: RequestLimits, reads: [Int]) -> FuzzFeedOutcome {
        var parser = RequestParser(limits: limits)
        var buffer = InputBuffer()
        var outcome = FuzzFeedOutcome()
        var appended = 0
        for size in reads where size > 0 {
            buffer.append(contentsOf: input[appended..<(appended + size)])
            appended += size
            // Bounded: every event consumes at least one byte.
            for _ in 0...buffer.readableCount {
                do {
                    guard let event = try parser.next(&buffer) else { break }
                    let end = appended - buffer.readableCount
                    switch event {
                    case .head:
                        outcome.heads.append(end)
                    case .request(let request):
                        outcome.requests.append(
                            .init(
                                method: request.method.rawValue, target: request.target,
                                headers: request.headers.map { "\($0.name): \($0.value)" }, body: request.body, endOffset: end))
                    }
                } catch let error as HTTPError {
                    outcome.errorStatus = error.status.code
                    outcome.consumed = appended - buffer.readableCount
                    return outcome
                } catch {
                    outcome.errorStatus = -1
                    return outcome
                }
            }
        }
        outcome.consumed = appended - buffer.readableCount
        return outcome
    }
}
