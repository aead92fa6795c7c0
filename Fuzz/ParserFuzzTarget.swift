// libFuzzer target for `RequestParser` (RFC 9112 request framing).
//
// Not part of the SwiftPM package: `scripts/fuzz.sh` compiles this file together with the parser
// sources (every file of `Sources/HTTP1`) into one module,
// so the target sees the parser's internal API exactly as the server does:
//
//     swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name ParserFuzz \
//         Fuzz/ParserFuzzTarget.swift $(find Sources/HTTP1 -name "*.swift") -package-name ParserFuzz -o .build/fuzz/parser-fuzzer
//
// Each input is one byte stream from a client. It is fed to fresh parsers in several ways (whole,
// split at one point derived from the input, in pseudo-random small reads, one byte per read), with
// small limits (so every limit path is reachable by short inputs) and with the default limits. The
// target traps (fatalError, which libFuzzer reports as a crash and saves as an artifact) when an
// invariant breaks:
//
// - the parser never traps, and only ever throws `HTTPError` with a 4xx/5xx status;
// - the drain loop is bounded: every event consumes at least one byte;
// - `next` after it returned nil, with no new bytes, returns nil again and consumes nothing;
// - how the stream is split into reads does not change the events, the byte offset at which each
//   event ends, the error status that ends parsing, or what is left unconsumed;
// - each request is framed as an independent reading of RFC 9112 frames it: the head ends at the
//   first CRLF CRLF after at most 4 leading empty lines, a Content-Length body is exactly the next
//   N bytes, a chunked body decodes (by a separate, simple decoder) to the same bytes and ends at
//   the same offset;
// - what the parser accepts is within the limits and well-formed (token method and field names,
//   visible-ASCII target, no CR/LF/NUL or outer whitespace in values, one Host in HTTP/1.1, never
//   both Content-Length and Transfer-Encoding, body within maxBodySize), Host free of
//   whitespace, paths and userinfo and replaced by an absolute-form target's (non-empty)
//   authority, never CONNECT, asterisk-form only for OPTIONS.

/// libFuzzer's entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func parserFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    ParserFuzzHarness.check(input)
    return 0
}

enum ParserFuzzHarness {
    /// Small limits: a request line of 48 bytes, a head of 160, 6 fields, a body of 48 bytes.
    static let smallLimits = RequestLimits(maxRequestLineLength: 48, maxHeaderBytes: 160, maxHeaderCount: 6, maxBodySize: 48)
    static let defaultLimits = RequestLimits()

    static func check(_ input: [UInt8]) {
        let seed = fnv1a(input)
        for limits in [smallLimits, defaultLimits] {
            let whole = Feed.run(input, limits: limits, reads: [input.count])
            verifyFraming(input, trace: whole, limits: limits)

            let cut = input.isEmpty ? 0 : Int(seed % UInt64(input.count + 1))
            compare(whole, Feed.run(input, limits: limits, reads: [cut, input.count - cut]), "split at \(cut)", input)

            compare(whole, Feed.run(input, limits: limits, reads: randomReads(count: input.count, seed: seed)), "random reads", input)

            compare(whole, Feed.run(input, limits: limits, reads: Array(repeating: 1, count: input.count)), "byte by byte", input)
        }
    }

    /// Read sizes of 1...16 bytes summing to `count`, from a SplitMix64 stream seeded by the input.
    static func randomReads(count: Int, seed: UInt64) -> [Int] {
        var state = seed
        var reads: [Int] = []
        var left = count
        while left > 0 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let size = min(left, Int(z % 16) + 1)
            reads.append(size)
            left -= size
        }
        return reads
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    static func compare(_ whole: Trace, _ other: Trace, _ how: String, _ input: [UInt8]) {
        guard whole != other else { return }
        fail("""
            feeding \(how) differs from feeding the input whole
              whole: \(whole)
              \(how): \(other)
              input: \(String(decoding: input, as: UTF8.self).debugDescription)
            """)
    }

    // MARK: - Independent framing oracle

    /// Re-derives each request's framing from the raw bytes and checks the parser agrees.
    static func verifyFraming(_ input: [UInt8], trace: Trace, limits: RequestLimits) {
        var requestStart = 0
        var pendingHead: (record: Record, headEnd: Int)?
        for record in trace.events {
            // Leading empty lines (RFC 9112 §2.2), at most 4 of them.
            var start = requestStart
            if pendingHead == nil {
                var skipped = 0
                while start + 1 < input.count, input[start] == 0x0D, input[start + 1] == 0x0A {
                    start += 2
                    skipped += 1
                }
                check(skipped <= 4, "a request was parsed after \(skipped) leading empty lines")
            }
            let headEnd: Int
            if let pending = pendingHead {
                headEnd = pending.headEnd
            } else {
                guard let end = firstHeadEnd(input, from: start) else {
                    fail("event \(record) but no CRLF CRLF after offset \(start)")
                }
                headEnd = end
                check(headEnd - start <= limits.maxHeaderBytes, "accepted a head of \(headEnd - start) bytes, limit \(limits.maxHeaderBytes)")
                let lineEnd = input[start...].firstIndex(of: 0x0D)!
                check(lineEnd - start <= limits.maxRequestLineLength, "accepted a request line of \(lineEnd - start) bytes")
                check(!input[start..<headEnd].contains(0x00), "accepted a head containing NUL")
            }
            verifyHead(record, limits: limits)
            switch record.kind {
            case .head:
                check(pendingHead == nil, "two head events without a request between them")
                check(record.endOffset == headEnd, "head event ends at \(record.endOffset), head ends at \(headEnd)")
                check(record.framing != BodyFraming.none && record.framing != .length(0), "head event for a request without a body")
                pendingHead = (record, headEnd)
            case .request:
                if let pending = pendingHead {
                    check(pending.record.sameHead(as: record), "request differs from its head event")
                }
                switch record.framing {
                case .none, .length(0):
                    check(pendingHead == nil, "a body-less request had a head event")
                    check(record.endOffset == headEnd, "body-less request ends at \(record.endOffset), head ends at \(headEnd)")
                    check(record.body.isEmpty, "body-less request has a body")
                case .length(let length):
                    check(pendingHead != nil, "a request with a body had no head event")
                    check(record.endOffset == headEnd + length, "Content-Length \(length) request ends at \(record.endOffset), expected \(headEnd + length)")
                    check(record.body == Array(input[headEnd..<(headEnd + length)]), "Content-Length body is not the bytes after the head")
                case .chunked:
                    check(pendingHead != nil, "a chunked request had no head event")
                    guard let (body, end) = decodeChunked(input, from: headEnd) else {
                        fail("parser accepted a chunked body the reference decoder rejects (head ends at \(headEnd))")
                    }
                    check(end == record.endOffset, "chunked request ends at \(record.endOffset), reference decoder says \(end)")
                    check(body == record.body, "chunked body differs from the reference decoding")
                }
                pendingHead = nil
                requestStart = record.endOffset
            }
        }
    }

    /// Checks what a parsed head may contain.
    static func verifyHead(_ record: Record, limits: RequestLimits) {
        check(!record.method.isEmpty && record.method.utf8.allSatisfy { ByteClasses.isToken($0) }, "method is not a token")
        check(!record.target.isEmpty && record.target.utf8.allSatisfy { ByteClasses.isTarget($0) }, "target has invisible bytes")
        check(record.version == .http1_0 || record.version == .http1_1, "version \(record.version)")
        // An absolute-form target's authority becomes the Host field (RFC 9112 §3.2.2); an
        // HTTP/1.0 request may have sent none, so the head then holds one field more than it
        // received, and the limit is on what was received.
        let isAbsoluteForm = !record.target.hasPrefix("/") && record.target != "*"
        let allowedFields = limits.maxHeaderCount + (isAbsoluteForm ? 1 : 0)
        check(record.headers.count <= allowedFields, "accepted \(record.headers.count) fields, limit \(limits.maxHeaderCount)")
        for (name, value) in record.headers {
            check(ByteClasses.isTokenString(name), "field name \(name.debugDescription) is not a token")
            check(!value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }, "field value holds CR, LF or NUL")
            if let first = value.utf8.first, let last = value.utf8.last {
                check(first != 0x20 && first != 0x09 && last != 0x20 && last != 0x09, "field value keeps outer whitespace")
            }
        }
        func count(_ name: String) -> Int { record.headers.filter { $0.0.equalsIgnoringASCIICase(name) }.count }
        if record.version == .http1_1 { check(count("Host") == 1, "HTTP/1.1 request without exactly one Host") }
        check(count("Host") <= 1, "more than one Host")
        let lengths = count("Content-Length")
        let codings = count("Transfer-Encoding")
        check(lengths == 0 || codings == 0, "accepted Content-Length together with Transfer-Encoding")
        check(lengths <= 1, "accepted more than one Content-Length")
        switch record.framing {
        case .chunked:
            check(codings > 0 && record.version == .http1_1, "chunked framing without Transfer-Encoding in HTTP/1.1")
        case .length(let length):
            // A head event may announce more than the limit (the route answers it); a request never.
            check(lengths == 1 && length >= 0 && (record.kind == .head || length <= limits.maxBodySize), "length framing \(length) not from one Content-Length within the limit")
            let value = record.headers.first { $0.0.equalsIgnoringASCIICase("Content-Length") }!.1
            check(Int(value) == length, "framing length \(length) is not the Content-Length \(value)")
        case .none:
            check(lengths == 0 && codings == 0, "no framing although Content-Length or Transfer-Encoding was sent")
        }
        check(record.body.count <= limits.maxBodySize, "accepted a body of \(record.body.count) bytes, limit \(limits.maxBodySize)")
        check(record.path.hasPrefix("/") || record.target == "*", "path \(record.path.debugDescription) of target \(record.target.debugDescription)")
        check(record.method != "CONNECT", "accepted CONNECT, which this server does not implement")
        check(record.target != "*" || record.method == "OPTIONS", "accepted asterisk-form for \(record.method)")
        // Host is `uri-host [ ":" port ]` (RFC 9110 §7.2): never whitespace, a path, userinfo, a
        // query or a fragment; and an absolute-form target's authority replaced it (RFC 9112 §3.2.2).
        for (name, value) in record.headers where name.equalsIgnoringASCIICase("Host") {
            check(!value.utf8.contains { " \t/@?#\\".utf8.contains($0) }, "accepted Host \(value.debugDescription)")
        }
        let lowerTarget = record.target.lowercased()
        for scheme in ["http://", "https://"] where lowerTarget.hasPrefix(scheme) {
            let rest = record.target.utf8.dropFirst(scheme.utf8.count)
            let authority = String(decoding: rest.prefix { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") }, as: UTF8.self)
            check(!authority.isEmpty, "routed absolute-form target \(record.target.debugDescription) without a host")
            let host = record.headers.first { $0.0.equalsIgnoringASCIICase("Host") }?.1
            check(host == authority, "absolute-form authority \(authority) did not replace Host \(host ?? "-")")
        }
    }

    /// The offset just past the first CRLF CRLF at or after `start`.
    static func firstHeadEnd(_ input: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 3 < input.count {
            if input[index] == 0x0D, input[index + 1] == 0x0A, input[index + 2] == 0x0D, input[index + 3] == 0x0A {
                return index + 4
            }
            index += 1
        }
        return nil
    }

    /// A deliberately simple chunked decoder (RFC 9112 §7.1): hex size, anything up to CRLF
    /// (extensions), data, CRLF; after size 0, lines up to an empty one. Returns the body and the
    /// offset just past the final CRLF, or nil when the bytes are not a complete chunked body.
    static func decodeChunked(_ input: [UInt8], from start: Int) -> (body: [UInt8], end: Int)? {
        func line(at offset: Int) -> (content: ArraySlice<UInt8>, next: Int)? {
            var index = offset
            while index + 1 < input.count {
                if input[index] == 0x0D && input[index + 1] == 0x0A { return (input[offset..<index], index + 2) }
                index += 1
            }
            return nil
        }
        var body: [UInt8] = []
        var offset = start
        for _ in 0...input.count {
            guard let (sizeLine, afterSize) = line(at: offset) else { return nil }
            var size = 0
            var digits = 0
            for byte in sizeLine {
                let value: Int
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte) - 0x30
                case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte) - 0x61 + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte) - 0x41 + 10
                default: value = -1
                }
                if value < 0 { break }
                // 1*HEXDIG, leading zeros allowed; past the input's length the value no longer
                // matters (the data cannot be there), so stop growing it before it could overflow.
                if size <= input.count { size = size * 16 + value }
                digits += 1
            }
            guard digits > 0 else { return nil }
            if size == 0 {
                var trailer = afterSize
                for _ in 0...input.count {
                    guard let (content, next) = line(at: trailer) else { return nil }
                    if content.isEmpty { return (body, next) }
                    trailer = next
                }
                return nil
            }
            guard afterSize + size + 2 <= input.count,
                input[afterSize + size] == 0x0D, input[afterSize + size + 1] == 0x0A
            else { return nil }
            body += input[afterSize..<(afterSize + size)]
            offset = afterSize + size + 2
        }
        return nil
    }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fail(message()) }
    }

    static func fail(_ message: String) -> Never {
        fatalError("parser invariant broken: \(message)")
    }
}

// MARK: - Feeding

/// One parser event, reduced to comparable values, with the absolute stream offset at which the
/// parser stood after it.
struct Record: Equatable, CustomStringConvertible {
    enum Kind: Equatable { case head, request }
    var kind: Kind
    var method: String
    var target: String
    var path: String
    var version: HTTPVersion
    var headers: [(String, String)]
    var framing: BodyFraming
    var expectsContinue: Bool
    var body: [UInt8]
    var endOffset: Int

    static func == (lhs: Record, rhs: Record) -> Bool {
        lhs.kind == rhs.kind && lhs.sameHead(as: rhs) && lhs.expectsContinue == rhs.expectsContinue
            && lhs.body == rhs.body && lhs.endOffset == rhs.endOffset
    }

    func sameHead(as other: Record) -> Bool {
        method == other.method && target == other.target && version == other.version && framing == other.framing
            && headers.map { [$0.0, $0.1] } == other.headers.map { [$0.0, $0.1] }
    }

    var description: String {
        "\(kind) \(method) \(target) \(version) \(headers.map { "\($0.0): \($0.1)" }) \(framing) continue=\(expectsContinue) body=\(body.count)B end=\(endOffset)"
    }
}

/// Everything one way of feeding produced.
struct Trace: Equatable, CustomStringConvertible {
    var events: [Record] = []
    /// The status of the error that ended parsing, or nil when the input ran out.
    var errorStatus: Int?
    /// Bytes consumed when parsing stopped.
    var consumed = 0
    /// Whether the parser was between requests when the input ran out.
    var betweenRequests = false

    var description: String {
        "events=\(events) error=\(errorStatus.map(String.init) ?? "none") consumed=\(consumed) between=\(betweenRequests)"
    }
}

enum Feed {
    /// Feeds `input` to a fresh parser in reads of the given sizes, draining events after each
    /// read as `Connection` does, until the input ends or the parser throws.
    static func run(_ input: [UInt8], limits: RequestLimits, reads: [Int]) -> Trace {
        var parser = RequestParser(limits: limits)
        var buffer = InputBuffer()
        var trace = Trace()
        var appended = 0
        for size in reads where size > 0 {
            input[appended..<(appended + size)].withUnsafeBytes { buffer.append($0) }
            appended += size
            // Every event consumes at least one byte, so this many rounds are always enough.
            let bound = buffer.readableCount + 1
            var rounds = 0
            while true {
                rounds += 1
                ParserFuzzHarness.check(rounds <= bound, "more than \(bound) events from \(bound - 1) buffered bytes")
                let before = buffer.readableCount
                let event: ParseEvent?
                do {
                    event = try parser.next(&buffer)
                } catch let error as HTTPError {
                    ParserFuzzHarness.check((400...599).contains(error.status.code), "error status \(error.status)")
                    trace.errorStatus = error.status.code
                    trace.consumed = appended - buffer.readableCount
                    fixFraming(&trace)
                    return trace
                } catch {
                    ParserFuzzHarness.fail("parser threw a non-HTTPError: \(error)")
                }
                guard let event else {
                    // Asking again without new bytes changes nothing.
                    let unconsumed = buffer.readableCount
                    do {
                        let again = try parser.next(&buffer)
                        ParserFuzzHarness.check(again == nil, "next returned an event on the second call without new bytes")
                    } catch {
                        ParserFuzzHarness.fail("next threw on the second call without new bytes: \(error)")
                    }
                    ParserFuzzHarness.check(buffer.readableCount == unconsumed, "next consumed bytes on the second call without new bytes")
                    break
                }
                ParserFuzzHarness.check(buffer.readableCount < before, "an event consumed no bytes")
                let end = appended - buffer.readableCount
                switch event {
                case .head(let head):
                    ParserFuzzHarness.check(!parser.isBetweenRequests, "between requests right after a head event")
                    trace.events.append(Record(head, body: [], kind: .head, end: end))
                case .request(let request):
                    ParserFuzzHarness.check(parser.isBetweenRequests, "not between requests right after a request")
                    _ = request.wantsKeepAlive
                    // The options the parser noted while parsing are the ones the fields hold.
                    ParserFuzzHarness.check(
                        request.connectionTokens == ConnectionTokens(request.headers),
                        "Connection options noted while parsing differ from the fields")
                    var record = Record(
                        RequestHead(
                            method: request.method, target: request.requestTarget, version: request.version,
                            headers: request.headers, framing: .none, expectsContinue: false,
                            connectionTokens: request.connectionTokens ?? ConnectionTokens()),
                        body: request.body, kind: .request, end: end)
                    record.path = request.path
                    trace.events.append(record)
                }
            }
        }
        trace.consumed = appended - buffer.readableCount
        trace.betweenRequests = parser.isBetweenRequests
        fixFraming(&trace)
        return trace
    }

    /// `HTTPRequest` does not carry its framing; take it from the head event, or derive it from
    /// the fields for body-less requests (which have no head event).
    private static func fixFraming(_ trace: inout Trace) {
        var lastHead: Record?
        for index in trace.events.indices {
            switch trace.events[index].kind {
            case .head:
                lastHead = trace.events[index]
            case .request:
                if let head = lastHead {
                    trace.events[index].framing = head.framing
                    trace.events[index].expectsContinue = head.expectsContinue
                } else {
                    let length = trace.events[index].headers.first { $0.0.equalsIgnoringASCIICase("Content-Length") }
                    trace.events[index].framing = length.map { _ in .length(0) } ?? .none
                }
                lastHead = nil
            }
        }
    }
}

extension Record {
    init(_ head: RequestHead, body: [UInt8], kind: Kind, end: Int) {
        self.kind = kind
        method = head.method.rawValue
        target = head.target.string
        path = head.target.path
        version = head.version
        headers = head.headers.map { ($0.name, $0.value) }
        framing = head.framing
        expectsContinue = head.expectsContinue
        self.body = body
        endOffset = end
    }
}
