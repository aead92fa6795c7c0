/// An incremental HTTP/1.1 request parser (RFC 9112).
///
/// Feed it the connection's input buffer after every read; it consumes what it can and returns
/// an event, or nil when it needs more bytes. It is strict on framing, because lenient framing is
/// what request smuggling exploits: obs-fold, whitespace before a colon, bare CR or LF, invalid
/// token characters, duplicate or malformed `Content-Length`, `Content-Length` with
/// `Transfer-Encoding`, and unknown transfer codings are all rejected with an `HTTPError`.
/// After an error the connection must close; the parser's state is then undefined.
struct RequestParser {
    let limits: RequestLimits

    private enum State {
        /// Waiting for the end of the head; `scanned` bytes were already checked.
        case head(scanned: Int)
        case fixedBody(RequestHead, remaining: Int)
        case chunkedBody(RequestHead, ChunkState, body: [UInt8])
    }

    private enum ChunkState {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailer(lines: Int, bytes: Int)
    }

    /// Empty lines a client may send before a request line (RFC 9112 §2.2 says to ignore "at
    /// least one"); more is garbage.
    private static let maxLeadingEmptyLines = 4
    /// The longest chunk-size line, extensions included.
    private static let maxChunkLineLength = 1024

    private var state: State = .head(scanned: 0)
    private var leadingEmptyLines = 0

    init(limits: RequestLimits) {
        self.limits = limits
    }

    /// Whether the parser is between requests (no part of a request has been parsed).
    var isBetweenRequests: Bool {
        if case .head(let scanned) = state { return scanned == 0 }
        return false
    }

    /// Consumes bytes from `buffer` and returns the next event, or nil when more bytes are needed.
    /// - Parameter buffer: The connection's unconsumed input.
    /// - Returns: A head (a body follows) or a whole request.
    /// - Throws: `HTTPError` with the status to answer.
    mutating func next(_ buffer: inout InputBuffer) throws -> ParseEvent? {
        switch state {
        case .head(let scanned):
            return try parseHead(&buffer, scanned: scanned)
        case .fixedBody(let head, let remaining):
            guard buffer.readableCount >= remaining else { return nil }
            let body = buffer.withReadableBytes { Array($0.prefix(remaining)) }
            buffer.consume(remaining)
            state = .head(scanned: 0)
            return .request(head.request(body: body))
        case .chunkedBody(let head, var chunkState, var body):
            // Move the body out of `state` while it grows: held twice, every append would copy
            // all of it, once per read (quadratic in a body sent in small segments). After an
            // error the state does not matter.
            state = .head(scanned: 0)
            if let body = try parseChunked(&buffer, chunkState: &chunkState, body: &body) {
                return .request(head.request(body: body))
            }
            state = .chunkedBody(head, chunkState, body: body)
            return nil
        }
    }

    // MARK: - Head

    private mutating func parseHead(_ buffer: inout InputBuffer, scanned: Int) throws -> ParseEvent? {
        if scanned == 0 { try skipLeadingEmptyLines(&buffer) }
        let limits = self.limits
        let scan = try buffer.withReadableBytes { bytes in try Self.scanForHeadEnd(bytes, from: scanned, limits: limits) }
        guard let headEnd = scan.headEnd else {
            state = .head(scanned: scan.resumeAt)
            return nil
        }
        let head = try buffer.withReadableBytes { bytes in
            try Self.parseHeadLines(UnsafeBufferPointer(rebasing: bytes[..<headEnd]), limits: limits)
        }
        buffer.consume(headEnd)
        leadingEmptyLines = 0
        switch head.framing {
        case .none, .length(0):
            state = .head(scanned: 0)
            return .request(head.request(body: []))
        case .length(let length):
            state = .fixedBody(head, remaining: length)
            return .head(head)
        case .chunked:
            state = .chunkedBody(head, .size, body: [])
            return .head(head)
        }
    }

    private mutating func skipLeadingEmptyLines(_ buffer: inout InputBuffer) throws {
        while buffer.readableCount >= 2 {
            let isEmptyLine = buffer.withReadableBytes { $0[0] == ByteClasses.cr && $0[1] == ByteClasses.lf }
            guard isEmptyLine else { return }
            leadingEmptyLines += 1
            guard leadingEmptyLines <= Self.maxLeadingEmptyLines else {
                throw HTTPError(.badRequest, "too many empty lines before the request line")
            }
            buffer.consume(2)
        }
    }

    /// Looks for CRLF CRLF, rejecting bare CR and bare LF on the way (RFC 9112 §2.2) and enforcing
    /// the request-line and head size limits before the whole head has arrived.
    ///
    /// Every rule is checked at the byte that breaks it, limits before syntax, so the first
    /// violation in the stream decides the status: the same bytes get the same answer however
    /// they are split into reads (checking limits only at the end of what happened to be buffered
    /// answered 400 for a bare CR in one read, but 414 or 431 when a read ended before it).
    private static func scanForHeadEnd(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from start: Int,
        limits: RequestLimits
    ) throws -> (headEnd: Int?, resumeAt: Int) {
        let cr = ByteClasses.cr
        let lf = ByteClasses.lf
        // Whether the request line has ended; past its limit it must have, or we threw already.
        var requestLineEnded = bytes[..<min(start, limits.maxRequestLineLength + 1)].contains(cr)
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if !requestLineEnded {
                if byte == cr {
                    requestLineEnded = true
                } else if index >= limits.maxRequestLineLength && byte != lf {
                    throw HTTPError(.uriTooLong, "request line longer than \(limits.maxRequestLineLength) bytes")
                }
            }
            // A head ending here would be `index + 1` bytes long.
            guard index < limits.maxHeaderBytes else {
                throw HTTPError(.requestHeaderFieldsTooLarge, "request head larger than \(limits.maxHeaderBytes) bytes")
            }
            if byte == lf {
                guard index > 0, bytes[index - 1] == cr else { throw HTTPError(.badRequest, "bare LF in request head") }
                if index >= 3, bytes[index - 2] == lf, bytes[index - 3] == cr {
                    return (index + 1, index + 1)
                }
            } else if byte == cr {
                if index + 1 < bytes.count, bytes[index + 1] != lf {
                    throw HTTPError(.badRequest, "bare CR in request head")
                }
            }
            index += 1
        }
        // Resume on a trailing CR so its LF is checked next time.
        let resumeAt = bytes.count > 0 && bytes[bytes.count - 1] == cr ? bytes.count - 1 : bytes.count
        return (nil, resumeAt)
    }

    /// Parses a complete head (ending in CRLF CRLF, no bare CR or LF inside).
    private static func parseHeadLines(_ head: UnsafeBufferPointer<UInt8>, limits: RequestLimits) throws -> RequestHead {
        var lines: [Range<Int>] = []
        var lineStart = 0
        var index = 0
        while index + 1 < head.count {
            if head[index] == ByteClasses.cr && head[index + 1] == ByteClasses.lf {
                lines.append(lineStart..<index)
                index += 2
                lineStart = index
            } else {
                index += 1
            }
        }
        // The last range is the empty line that ends the head.
        lines.removeLast()
        guard let requestLine = lines.first else { throw HTTPError(.badRequest, "empty request") }
        let fieldLines = lines.dropFirst()
        guard fieldLines.count <= limits.maxHeaderCount else {
            throw HTTPError(.requestHeaderFieldsTooLarge, "more than \(limits.maxHeaderCount) header fields")
        }
        var (method, target, version) = try parseRequestLine(UnsafeBufferPointer(rebasing: head[requestLine]))
        var headers = HTTPHeaders()
        for line in fieldLines {
            let field = try parseFieldLine(UnsafeBufferPointer(rebasing: head[line]))
            headers.add(field.name, field.value)
        }
        if version.minor > 1 { version = .http1_1 }  // RFC 9110 §2.5: a higher minor is 1.1 to us.
        return try interpretFields(method: method, target: target, version: version, headers: headers, limits: limits)
    }

    private static func parseRequestLine(_ line: UnsafeBufferPointer<UInt8>) throws -> (HTTPMethod, String, HTTPVersion) {
        guard let firstSpace = line.firstIndex(of: ByteClasses.space) else {
            throw HTTPError(.badRequest, "malformed request line")
        }
        let methodBytes = UnsafeBufferPointer(rebasing: line[..<firstSpace])
        guard ByteClasses.isToken(methodBytes) else { throw HTTPError(.badRequest, "invalid method") }
        let afterMethod = firstSpace + 1
        guard let secondSpace = line[afterMethod...].firstIndex(of: ByteClasses.space) else {
            throw HTTPError(.badRequest, "malformed request line")
        }
        let targetBytes = UnsafeBufferPointer(rebasing: line[afterMethod..<secondSpace])
        guard !targetBytes.isEmpty else { throw HTTPError(.badRequest, "empty request target") }
        for byte in targetBytes where !ByteClasses.target[Int(byte)] {
            throw HTTPError(.badRequest, "invalid character in request target")
        }
        let version = try parseVersion(UnsafeBufferPointer(rebasing: line[(secondSpace + 1)...]))
        let method = HTTPMethod(rawValue: String(decoding: methodBytes, as: UTF8.self))
        let target = String(decoding: targetBytes, as: UTF8.self)
        try checkTargetForm(target, method: method)
        return (method, target, version)
    }

    /// `HTTP-version = "HTTP/" DIGIT "." DIGIT` (RFC 9112 §2.3).
    private static func parseVersion(_ bytes: UnsafeBufferPointer<UInt8>) throws -> HTTPVersion {
        let prefix = Array("HTTP/".utf8)
        guard bytes.count == 8, Array(bytes[0..<5]) == prefix, bytes[6] == UInt8(ascii: "."),
            (0x30...0x39).contains(bytes[5]), (0x30...0x39).contains(bytes[7])
        else { throw HTTPError(.badRequest, "malformed HTTP version") }
        let major = Int(bytes[5] - 0x30)
        guard major == 1 else { throw HTTPError(.httpVersionNotSupported, "only HTTP/1.x is served") }
        return HTTPVersion(major: major, minor: Int(bytes[7] - 0x30))
    }

    /// Accepts origin-form, absolute-form and (for OPTIONS) asterisk-form (RFC 9112 §3.2).
    private static func checkTargetForm(_ target: String, method: HTTPMethod) throws {
        if target.hasPrefix("/") { return }
        if target == "*" {
            guard method == .options else { throw HTTPError(.badRequest, "asterisk-form is only for OPTIONS") }
            return
        }
        let lower = target.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") { return }
        if method == .connect { throw HTTPError(.notImplemented, "CONNECT is not supported") }
        throw HTTPError(.badRequest, "invalid request target")
    }

    /// `field-line = field-name ":" OWS field-value OWS` (RFC 9112 §5).
    private static func parseFieldLine(_ line: UnsafeBufferPointer<UInt8>) throws -> (name: String, value: String) {
        guard let first = line.first else { throw HTTPError(.badRequest, "empty header line") }
        if first == ByteClasses.space || first == ByteClasses.tab {
            throw HTTPError(.badRequest, "obsolete line folding in header")
        }
        guard let colon = line.firstIndex(of: ByteClasses.colon) else {
            throw HTTPError(.badRequest, "header line without a colon")
        }
        let nameBytes = UnsafeBufferPointer(rebasing: line[..<colon])
        guard ByteClasses.isToken(nameBytes) else {
            if let last = nameBytes.last, last == ByteClasses.space || last == ByteClasses.tab {
                throw HTTPError(.badRequest, "whitespace before the colon in a header")
            }
            throw HTTPError(.badRequest, "invalid header name")
        }
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, line[valueStart] == ByteClasses.space || line[valueStart] == ByteClasses.tab {
            valueStart += 1
        }
        while valueEnd > valueStart, line[valueEnd - 1] == ByteClasses.space || line[valueEnd - 1] == ByteClasses.tab {
            valueEnd -= 1
        }
        let valueBytes = UnsafeBufferPointer(rebasing: line[valueStart..<valueEnd])
        for byte in valueBytes where !ByteClasses.fieldValue[Int(byte)] {
            throw HTTPError(.badRequest, "invalid character in header value")
        }
        return (String(decoding: nameBytes, as: UTF8.self), String(decoding: valueBytes, as: UTF8.self))
    }

    /// Applies the framing and semantics rules that need the whole head.
    private static func interpretFields(
        method: HTTPMethod,
        target: String,
        version: HTTPVersion,
        headers: HTTPHeaders,
        limits: RequestLimits
    ) throws -> RequestHead {
        // RFC 9112 §3.2: an HTTP/1.1 request needs exactly one Host.
        let hosts = headers.values("Host")
        if version == .http1_1 && hosts.count != 1 {
            throw HTTPError(.badRequest, hosts.isEmpty ? "missing Host header" : "more than one Host header")
        }
        if hosts.count > 1 { throw HTTPError(.badRequest, "more than one Host header") }

        let framing = try bodyFraming(method: method, version: version, headers: headers, limits: limits)

        var expectsContinue = false
        let expectations = headers.values("Expect")
        if !expectations.isEmpty {
            // RFC 9110 §10.1.1: 100-continue is the only expectation; a 1.0 client's is ignored.
            guard expectations.count == 1, expectations[0].equalsIgnoringASCIICase("100-continue") else {
                throw HTTPError(.expectationFailed, "unsupported expectation")
            }
            expectsContinue = version == .http1_1 && framing != .none && framing != .length(0)
        }
        return RequestHead(
            method: method,
            target: target,
            version: version,
            headers: headers,
            framing: framing,
            expectsContinue: expectsContinue
        )
    }

    /// RFC 9112 §6.1-6.3: chunked, a single valid Content-Length, or no body.
    private static func bodyFraming(
        method: HTTPMethod,
        version: HTTPVersion,
        headers: HTTPHeaders,
        limits: RequestLimits
    ) throws -> BodyFraming {
        let lengths = headers.values("Content-Length")
        let codings = headers.values("Transfer-Encoding")
        if !codings.isEmpty {
            guard lengths.isEmpty else {
                throw HTTPError(.badRequest, "Content-Length together with Transfer-Encoding")
            }
            guard version == .http1_1 else {
                throw HTTPError(.badRequest, "Transfer-Encoding in an HTTP/1.0 request")
            }
            let list = codings.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
                .map { $0.trimmingOptionalWhitespace() }
            guard let last = list.last, last.equalsIgnoringASCIICase("chunked") else {
                // The length cannot be determined when chunked is not last (§6.3 item 4).
                if list.contains(where: { !$0.equalsIgnoringASCIICase("chunked") && !ByteClasses.isTokenString($0) }) {
                    throw HTTPError(.badRequest, "malformed Transfer-Encoding")
                }
                throw HTTPError(.notImplemented, "unsupported transfer coding")
            }
            guard list.count == 1 else {
                for coding in list.dropLast() where !ByteClasses.isTokenString(coding) || coding.equalsIgnoringASCIICase("chunked") {
                    throw HTTPError(.badRequest, "malformed Transfer-Encoding")
                }
                throw HTTPError(.notImplemented, "unsupported transfer coding")
            }
            return .chunked
        }
        if lengths.count > 1 { throw HTTPError(.badRequest, "more than one Content-Length") }
        if let text = lengths.first {
            let digits = text.utf8
            guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ (0x30...0x39).contains($0) }),
                let length = Int(text)
            else { throw HTTPError(.badRequest, "invalid Content-Length") }
            guard length <= limits.maxBodySize else {
                throw HTTPError(.contentTooLarge, "body larger than \(limits.maxBodySize) bytes")
            }
            return .length(length)
        }
        // A request that usually carries content but names no length: refuse rather than guess
        // (RFC 9110 §15.5.12). Clients send `Content-Length: 0` for an empty body.
        if method == .post || method == .put || method == .patch {
            throw HTTPError(.lengthRequired, "Content-Length or chunked Transfer-Encoding required")
        }
        return .none
    }

    // MARK: - Chunked body (RFC 9112 §7.1)

    /// Consumes chunked framing from `buffer`, appending chunk data to `body`.
    /// - Returns: The whole body once the last chunk and trailers are in, else nil (more needed).
    private func parseChunked(
        _ buffer: inout InputBuffer,
        chunkState: inout ChunkState,
        body: inout [UInt8]
    ) throws -> [UInt8]? {
        let limits = self.limits
        while true {
            switch chunkState {
            case .size:
                guard let (lineLength, size) = try buffer.withReadableBytes({ try Self.parseChunkSizeLine($0) }) else {
                    return nil
                }
                buffer.consume(lineLength)
                if size == 0 {
                    chunkState = .trailer(lines: 0, bytes: 0)
                } else {
                    guard size <= limits.maxBodySize - body.count else {
                        throw HTTPError(.contentTooLarge, "body larger than \(limits.maxBodySize) bytes")
                    }
                    chunkState = .data(remaining: size)
                }
            case .data(let remaining):
                let available = min(remaining, buffer.readableCount)
                guard available > 0 else { return nil }
                buffer.withReadableBytes { body.append(contentsOf: $0.prefix(available)) }
                buffer.consume(available)
                chunkState = remaining == available ? .dataEnd : .data(remaining: remaining - available)
            case .dataEnd:
                guard buffer.readableCount >= 2 else { return nil }
                let isCRLF = buffer.withReadableBytes { $0[0] == ByteClasses.cr && $0[1] == ByteClasses.lf }
                guard isCRLF else { throw HTTPError(.badRequest, "chunk data not followed by CRLF") }
                buffer.consume(2)
                chunkState = .size
            case .trailer(let lines, let bytes):
                guard let lineLength = try buffer.withReadableBytes({ try Self.lineLength($0, limit: limits.maxHeaderBytes - bytes, tooLong: Self.trailerTooLarge) }) else {
                    return nil
                }
                if lineLength == 2 {
                    buffer.consume(2)
                    return body
                }
                guard lines < limits.maxHeaderCount else {
                    throw HTTPError(.requestHeaderFieldsTooLarge, "too many trailer fields")
                }
                // Trailer fields are validated like header fields, then discarded (RFC 9110 §6.5.1).
                _ = try buffer.withReadableBytes { try Self.parseFieldLine(UnsafeBufferPointer(rebasing: $0[..<(lineLength - 2)])) }
                buffer.consume(lineLength)
                chunkState = .trailer(lines: lines + 1, bytes: bytes + lineLength)
            }
        }
    }

    private static let trailerTooLarge = HTTPError(.requestHeaderFieldsTooLarge, "trailer section too large")
    private static let chunkLineTooLong = HTTPError(.badRequest, "chunk-size line longer than \(maxChunkLineLength) bytes")

    /// The length of the line at the start of `bytes` including its CRLF, or nil when incomplete.
    /// - Throws: `tooLong` once the line passes `limit` bytes without ending.
    private static func lineLength(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int, tooLong: HTTPError) throws -> Int? {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ByteClasses.cr {
                guard index + 1 < bytes.count else { return nil }
                guard bytes[index + 1] == ByteClasses.lf else { throw HTTPError(.badRequest, "bare CR in chunked body") }
                return index + 2
            }
            if byte == ByteClasses.lf { throw HTTPError(.badRequest, "bare LF in chunked body") }
            index += 1
            if index > limit { throw tooLong }
        }
        return nil
    }

    /// `chunk-size [ chunk-ext ] CRLF`; extensions are checked for valid characters and ignored.
    private static func parseChunkSizeLine(_ bytes: UnsafeBufferPointer<UInt8>) throws -> (length: Int, size: Int)? {
        guard let length = try lineLength(bytes, limit: maxChunkLineLength, tooLong: chunkLineTooLong) else { return nil }
        let line = UnsafeBufferPointer(rebasing: bytes[..<(length - 2)])
        var size = 0
        var index = 0
        while index < line.count, let digit = hexValue(line[index]) {
            guard index < 15 else { throw HTTPError(.contentTooLarge, "chunk size too large") }
            size = size * 16 + digit
            index += 1
        }
        guard index > 0 else { throw HTTPError(.badRequest, "invalid chunk size") }
        if index < line.count {
            var rest = index
            while rest < line.count, line[rest] == ByteClasses.space || line[rest] == ByteClasses.tab { rest += 1 }
            guard rest < line.count, line[rest] == UInt8(ascii: ";") else {
                throw HTTPError(.badRequest, "invalid chunk size")
            }
            for byte in line[rest...] where !ByteClasses.fieldValue[Int(byte)] {
                throw HTTPError(.badRequest, "invalid chunk extension")
            }
        }
        return (length, size)
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        default: nil
        }
    }
}

extension ByteClasses {
    static func isTokenString(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { token[Int($0)] }
    }
}
