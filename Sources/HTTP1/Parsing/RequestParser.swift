/// An incremental HTTP/1.1 request parser (RFC 9112).
///
/// Feed it the connection's input buffer after every read; it consumes what it can and returns
/// an event, or nil when it needs more bytes. It is strict on framing, because lenient framing is
/// what request smuggling exploits: obs-fold, whitespace before a colon, bare CR or LF, invalid
/// token characters, duplicate or malformed `Content-Length`, `Content-Length` with
/// `Transfer-Encoding`, and unknown transfer codings are all rejected with an `HTTPError`.
/// After an error the connection must close; the parser's state is then undefined.
package struct RequestParser {
    package let limits: RequestLimits

    private enum State {
        /// Waiting for the end of the head; `scanned` bytes were already checked.
        case head(scanned: Int)
        case fixedBody(RequestHead, remaining: Int)
        case chunkedBody(RequestHead, ChunkState, body: [UInt8], framingExcess: Int)
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
    /// The largest body the current request may have: the server's limit, or the route's when it
    /// is lower (`limitBody(to:)`, once the head is known).
    private var bodyLimit: Int

    package init(limits: RequestLimits) {
        self.limits = limits
        self.bodyLimit = limits.maxBodySize
    }

    /// Lowers the body limit of the request whose head was just returned: a route that takes at
    /// most `maxBytes` should not have the server buffer more (413 once a chunked body passes it).
    package mutating func limitBody(to maxBytes: Int) {
        bodyLimit = min(max(0, maxBytes), limits.maxBodySize)
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
    package mutating func next(_ buffer: inout InputBuffer) throws -> ParseEvent? {
        switch state {
        case .head(let scanned):
            return try parseHead(&buffer, scanned: scanned)
        case .fixedBody(let head, let remaining):
            // A Content-Length over the limit is handed out with its head, so that the route can
            // answer with its own 413 (`Connection` does); whoever reads on instead gets the
            // server's, before any byte of the body is buffered.
            guard remaining <= bodyLimit else {
                throw HTTPError(.contentTooLarge, "body larger than \(bodyLimit) bytes")
            }
            guard buffer.readableCount >= remaining else { return nil }
            let body = buffer.withReadableBytes { Array($0.prefix(remaining)) }
            buffer.consume(remaining)
            state = .head(scanned: 0)
            return .request(head.request(body: body))
        case .chunkedBody(let head, var chunkState, var body, var excess):
            // Move the body out of `state` while it grows: held twice, every append would copy
            // all of it, once per read (quadratic in a body sent in small segments). After an
            // error the state does not matter.
            state = .head(scanned: 0)
            if let body = try parseChunked(&buffer, chunkState: &chunkState, body: &body, framingExcess: &excess) {
                return .request(head.request(body: body))
            }
            state = .chunkedBody(head, chunkState, body: body, framingExcess: excess)
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
        bodyLimit = limits.maxBodySize
        switch head.framing {
        case .none, .length(0):
            state = .head(scanned: 0)
            return .request(head.request(body: []))
        case .length(let length):
            state = .fixedBody(head, remaining: length)
            return .head(head)
        case .chunked:
            state = .chunkedBody(head, .size, body: [], framingExcess: 0)
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
            // Skip what is neither CR nor LF and breaks no limit: the rules below act on nothing
            // else, so only the byte at a line end or at a limit goes through them.
            let limit = requestLineEnded ? limits.maxHeaderBytes : min(limits.maxHeaderBytes, limits.maxRequestLineLength)
            let end = min(bytes.count, limit)
            index = ByteScan.firstLineBreak(bytes, from: index, to: end)
            guard index < bytes.count else { break }
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
            } else if byte == cr, index + 1 < bytes.count {
                guard bytes[index + 1] == lf else { throw HTTPError(.badRequest, "bare CR in request head") }
                // The LF is taken with its CR, under the rules the LF would meet alone: within the
                // head's limit, and the end of the head when CR LF came just before.
                let lfIndex = index + 1
                guard lfIndex < limits.maxHeaderBytes else {
                    throw HTTPError(.requestHeaderFieldsTooLarge, "request head larger than \(limits.maxHeaderBytes) bytes")
                }
                if lfIndex >= 3, bytes[lfIndex - 2] == lf, bytes[lfIndex - 3] == cr {
                    return (lfIndex + 1, lfIndex + 1)
                }
                index = lfIndex + 1
                continue
            }
            index += 1
        }
        // Resume on a trailing CR so its LF is checked next time.
        let resumeAt = bytes.count > 0 && bytes[bytes.count - 1] == cr ? bytes.count - 1 : bytes.count
        return (nil, resumeAt)
    }

    /// Parses a complete head (ending in CRLF CRLF, no bare CR or LF inside).
    private static func parseHeadLines(_ head: UnsafeBufferPointer<UInt8>, limits: RequestLimits) throws -> RequestHead {
        // scanForHeadEnd let no bare CR or LF through, so every LF ends a line: the request line,
        // the field lines, and the empty line that ends the head.
        let lineCount = ByteScan.count(of: ByteClasses.lf, in: head)
        let fieldCount = lineCount - 2
        guard fieldCount <= limits.maxHeaderCount else {
            throw HTTPError(.requestHeaderFieldsTooLarge, "more than \(limits.maxHeaderCount) header fields")
        }
        let requestLineEnd = lineEnd(head, from: 0)
        var (method, target, version, authority) = try parseRequestLine(UnsafeBufferPointer(rebasing: head[..<requestLineEnd]))
        // The fields are parsed into a list on the stack, then stored with the target in one
        // allocation of exactly their size.
        var controls = ControlFields()
        let headers = try withUnsafeTemporaryAllocation(of: HTTPHeaders.FieldBytes.self, capacity: max(fieldCount, 1)) { fields in
            var count = 0
            var lineStart = requestLineEnd + 2
            // The head's last two bytes are the empty line's CRLF.
            while lineStart < head.count - 2 {
                let end = lineEnd(head, from: lineStart)
                let field = try parseFieldLine(UnsafeBufferPointer(rebasing: head[lineStart..<end]))
                controls.note(field.name, value: field.value)
                fields.initializeElement(at: count, to: field)
                count += 1
                lineStart = end + 2
            }
            return HTTPHeaders(leading: target, fields: UnsafeBufferPointer(rebasing: fields[..<count]))
        }
        if version.minor > 1 { version = .http1_1 }  // RFC 9110 §2.5: a higher minor is 1.1 to us.
        return try interpretFields(
            method: method, version: version, targetAuthority: authority, headers: headers,
            controls: controls, limits: limits)
    }

    /// The index of the CR that ends the line starting at `start` (the head holds one).
    @inline(__always)
    private static func lineEnd(_ head: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        ByteScan.firstIndex(of: ByteClasses.cr, in: head, from: start)
    }

    /// The fields the parser itself acts on (Host, framing, Expect), noted by name while the
    /// head is parsed, so the field list is not searched again for each of them.
    private struct ControlFields {
        var hostCount = 0
        /// The first Host value, in the head's bytes (which outlive this: it is used while the
        /// head is parsed, and never kept).
        var host: UnsafeBufferPointer<UInt8>?
        // Nil when absent, as in nearly every request: an empty array would still be released.
        var contentLengths: [String]?
        var transferCodings: [String]?
        var expectations: [String]?
        var connection = ConnectionTokens()

        /// Notes a field if it is one of these; `name` is a valid token. Only these values become
        /// strings, and only the first Host's for every request.
        mutating func note(_ name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
            switch name.count {
            case 4 where name.equalsIgnoringASCIICase("host"):
                hostCount += 1
                if host == nil { host = value }
            case 6 where name.equalsIgnoringASCIICase("expect"):
                expectations.appendMakingList(String(decoding: value, as: UTF8.self))
            case 10 where name.equalsIgnoringASCIICase("connection"):
                connection.note(value)
            case 14 where name.equalsIgnoringASCIICase("content-length"):
                contentLengths.appendMakingList(String(decoding: value, as: UTF8.self))
            case 17 where name.equalsIgnoringASCIICase("transfer-encoding"):
                transferCodings.appendMakingList(String(decoding: value, as: UTF8.self))
            default:
                break
            }
        }
    }

    private static func parseRequestLine(
        _ line: UnsafeBufferPointer<UInt8>
    ) throws -> (method: HTTPMethod, target: UnsafeBufferPointer<UInt8>, version: HTTPVersion, authority: String?) {
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
        for byte in targetBytes where !ByteClasses.isTarget(byte) {
            throw HTTPError(.badRequest, "invalid character in request target")
        }
        let version = try parseVersion(UnsafeBufferPointer(rebasing: line[(secondSpace + 1)...]))
        let method = HTTPMethod(token: methodBytes)
        // Origin form, the common case, needs no further check (CONNECT told on its bytes).
        let authority =
            targetBytes[0] == UInt8(ascii: "/") && !methodBytes.equals("CONNECT")
            ? nil : try checkTargetForm(String(decoding: targetBytes, as: UTF8.self), method: method)
        return (method, targetBytes, version, authority)
    }

    /// `HTTP-version = "HTTP/" DIGIT "." DIGIT` (RFC 9112 §2.3).
    private static func parseVersion(_ bytes: UnsafeBufferPointer<UInt8>) throws -> HTTPVersion {
        guard bytes.count == 8, bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"), bytes[2] == UInt8(ascii: "T"),
            bytes[3] == UInt8(ascii: "P"), bytes[4] == UInt8(ascii: "/"), bytes[6] == UInt8(ascii: "."),
            (0x30...0x39).contains(bytes[5]), (0x30...0x39).contains(bytes[7])
        else { throw HTTPError(.badRequest, "malformed HTTP version") }
        let major = Int(bytes[5] - 0x30)
        guard major == 1 else { throw HTTPError(.httpVersionNotSupported, "only HTTP/1.x is served") }
        return HTTPVersion(major: major, minor: Int(bytes[7] - 0x30))
    }

    /// Accepts origin-form, absolute-form (`http` and `https` only) and, for OPTIONS,
    /// asterisk-form (RFC 9112 §3.2). CONNECT, whose authority-form target asks for a tunnel to
    /// another host (RFC 9110 §9.3.6), is answered 501: this server is not a proxy, so it
    /// implements CONNECT for no resource at all, which is what 501 says (RFC 9110 §15.6.2); a 405
    /// would have to list in `Allow` the methods of a "target resource" that is not ours.
    /// - Returns: The authority of an absolute-form target, which replaces `Host` (§3.2.2).
    private static func checkTargetForm(_ target: String, method: HTTPMethod) throws -> String? {
        if method == .connect {
            // authority-form = uri-host ":" port (RFC 9112 §3.2.3); anything else is malformed.
            let bytes = Array(target.utf8)
            let closingBracket = bytes.lastIndex(of: UInt8(ascii: "]")) ?? -1
            guard let colon = bytes.lastIndex(of: ByteClasses.colon), colon > closingBracket, colon + 1 < bytes.count,
                Authority.isValid(bytes, allowsEmptyHost: false)
            else { throw HTTPError(.badRequest, "CONNECT needs an authority-form target (host:port)") }
            throw HTTPError(.notImplemented, "CONNECT is not supported: this server is not a proxy")
        }
        if target.hasPrefix("/") { return nil }
        if target == "*" {
            guard method == .options else { throw HTTPError(.badRequest, "asterisk-form is only for OPTIONS") }
            return nil
        }
        // absolute-form: "http" or "https" "://" authority path-abempty [ "?" query ].
        let bytes = Array(target.utf8)
        let schemeLength: Int
        if target.utf8.starts(with: "http://".utf8, by: { $0.asciiLowercased == $1 }) {
            schemeLength = 7
        } else if target.utf8.starts(with: "https://".utf8, by: { $0.asciiLowercased == $1 }) {
            schemeLength = 8
        } else {
            throw HTTPError(.badRequest, "invalid request target")
        }
        let authorityEnd = bytes[schemeLength...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? bytes.count
        let authority = bytes[schemeLength..<authorityEnd]
        // RFC 9110 §4.2.1: an http(s) URI with an empty host is invalid and MUST be rejected, so
        // `http:///etc/passwd` is never routed as `/etc/passwd`; userinfo (`user@`) is refused too
        // (RFC 9110 §4.2.4), since it only ever serves to disguise the authority.
        guard Authority.isValid(authority, allowsEmptyHost: false) else {
            throw HTTPError(.badRequest, "invalid authority in absolute-form target")
        }
        return String(decoding: authority, as: UTF8.self)
    }

    /// `field-line = field-name ":" OWS field-value OWS` (RFC 9112 §5).
    private static func parseFieldLine(
        _ line: UnsafeBufferPointer<UInt8>
    ) throws -> (name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        guard let first = line.first else { throw HTTPError(.badRequest, "empty header line") }
        if first == ByteClasses.space || first == ByteClasses.tab {
            throw HTTPError(.badRequest, "obsolete line folding in header")
        }
        // One pass finds the name's end and checks its bytes: a valid name is tokens up to the colon.
        var colon = 0
        while colon < line.count, ByteClasses.isToken(line[colon]) { colon += 1 }
        guard colon > 0, colon < line.count, line[colon] == ByteClasses.colon else { throw invalidFieldName(line) }
        let nameBytes = UnsafeBufferPointer(rebasing: line[..<colon])
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, line[valueStart] == ByteClasses.space || line[valueStart] == ByteClasses.tab {
            valueStart += 1
        }
        while valueEnd > valueStart, line[valueEnd - 1] == ByteClasses.space || line[valueEnd - 1] == ByteClasses.tab {
            valueEnd -= 1
        }
        let valueBytes = UnsafeBufferPointer(rebasing: line[valueStart..<valueEnd])
        guard ByteScan.isFieldValue(valueBytes) else { throw HTTPError(.badRequest, "invalid character in header value") }
        return (nameBytes, valueBytes)
    }

    /// Why a field line has no valid name before a colon.
    private static func invalidFieldName(_ line: UnsafeBufferPointer<UInt8>) -> HTTPError {
        guard let colon = line.firstIndex(of: ByteClasses.colon) else {
            return HTTPError(.badRequest, "header line without a colon")
        }
        if colon > 0, line[colon - 1] == ByteClasses.space || line[colon - 1] == ByteClasses.tab {
            return HTTPError(.badRequest, "whitespace before the colon in a header")
        }
        return HTTPError(.badRequest, "invalid header name")
    }

    /// Applies the framing and semantics rules that need the whole head.
    private static func interpretFields(
        method: HTTPMethod,
        version: HTTPVersion,
        targetAuthority: String?,
        headers: HTTPHeaders,
        controls: ControlFields,
        limits: RequestLimits
    ) throws -> RequestHead {
        // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, for any request with more than
        // one Host, and for a Host whose value is not `uri-host [ ":" port ]` (RFC 9110 §7.2).
        var headers = headers
        if version == .http1_1 && controls.hostCount == 0 { throw HTTPError(.badRequest, "missing Host header") }
        if controls.hostCount > 1 { throw HTTPError(.badRequest, "more than one Host header") }
        if let host = controls.host, !Authority.isValid(host, allowsEmptyHost: true) {
            throw HTTPError(.badRequest, "invalid Host header")
        }
        // RFC 9112 §3.2.2: with an absolute-form target the target's authority is the host, and
        // the Host field is ignored; replacing it means the application sees one answer only.
        if let targetAuthority { headers.set("Host", targetAuthority) }

        let framing = try bodyFraming(version: version, controls: controls)

        var expectsContinue = false
        if let expectations = controls.expectations {
            // RFC 9110 §10.1.1: 100-continue is the only expectation; a 1.0 client's is ignored.
            guard expectations.count == 1, expectations[0].equalsIgnoringASCIICase("100-continue") else {
                throw HTTPError(.expectationFailed, "unsupported expectation")
            }
            expectsContinue = version == .http1_1 && framing != .none && framing != .length(0)
        }
        // Taken last, so that the fields' appends above found their buffer uniquely owned.
        let target = RequestTarget(storage: headers.leadingStorage, count: headers.leadingCount)
        return RequestHead(
            method: method,
            target: target,
            version: version,
            headers: headers,
            framing: framing,
            expectsContinue: expectsContinue,
            connectionTokens: controls.connection
        )
    }

    /// RFC 9112 §6.1-6.3: chunked, a single valid Content-Length, or no body.
    private static func bodyFraming(
        version: HTTPVersion,
        controls: ControlFields
    ) throws -> BodyFraming {
        if let codings = controls.transferCodings {
            guard controls.contentLengths == nil else {
                throw HTTPError(.badRequest, "Content-Length together with Transfer-Encoding")
            }
            guard version == .http1_1 else {
                throw HTTPError(.badRequest, "Transfer-Encoding in an HTTP/1.0 request")
            }
            return try transferCodingFraming(codings)
        }
        if let lengths = controls.contentLengths {
            if lengths.count > 1 { throw HTTPError(.badRequest, "more than one Content-Length") }
            return .length(try contentLength(lengths[0]))
        }
        // RFC 9112 §6.3 item 7: a request with neither Content-Length nor Transfer-Encoding has
        // an empty body, whatever its method (`curl -X POST url` sends exactly that).
        return .none
    }

    /// `Transfer-Encoding = #transfer-coding` (RFC 9112 §6.1). Chunked must be the final coding
    /// and appear once (§6.3 item 4, §7: otherwise the body's end cannot be found: 400, and the
    /// connection closes). A valid list that ends in chunked but also names another coding (say
    /// `gzip, chunked`) is framed correctly but cannot be decoded here: 501, as §6.1 advises for
    /// a coding the server does not understand.
    private static func transferCodingFraming(_ fields: [String]) throws -> BodyFraming {
        // Empty list elements are ignored (RFC 9110 §5.6.1.2).
        let list = fields.flatMap { $0.split(separator: ",") }.map { $0.trimmingOptionalWhitespace() }.filter { !$0.isEmpty }
        guard let last = list.last, last.equalsIgnoringASCIICase("chunked") else {
            throw HTTPError(.badRequest, "chunked is not the final transfer coding")
        }
        var understood = true
        for coding in list.dropLast() {
            guard isTransferCoding(coding), !coding.equalsIgnoringASCIICase("chunked") else {
                throw HTTPError(.badRequest, "malformed Transfer-Encoding")
            }
            understood = false
        }
        guard understood else { throw HTTPError(.notImplemented, "unsupported transfer coding") }
        return .chunked
    }

    /// `transfer-coding = token *( OWS ";" OWS token "=" ( token / quoted-string ) )`
    /// (RFC 9112 §7, RFC 9110 §5.6.6); a quoted parameter value holding a comma was split apart
    /// by the caller and is refused as malformed.
    private static func isTransferCoding(_ coding: Substring) -> Bool {
        let parts = coding.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingOptionalWhitespace() }
        guard ByteClasses.isTokenString(parts[0]) else { return false }
        for parameter in parts.dropFirst() {
            guard let equals = parameter.firstIndex(of: "="), ByteClasses.isTokenString(parameter[..<equals]) else {
                return false
            }
            let value = parameter[parameter.index(after: equals)...]
            let isQuoted = value.utf8.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"")
            guard isQuoted || ByteClasses.isTokenString(value) else { return false }
        }
        return true
    }

    /// `Content-Length = 1*DIGIT` (RFC 9110 §8.6): any number of digits, leading zeros included.
    /// The value is not checked against the body limit here: the head goes out first, so that the
    /// route can refuse a body it would not take with its own 413 (`next` refuses it otherwise).
    /// Only a value no `Int` holds is 413 at once; no digit string can overflow.
    private static func contentLength(_ text: String) throws -> Int {
        let digits = text.utf8
        guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw HTTPError(.badRequest, "invalid Content-Length")
        }
        guard let length = boundedValue(digits, radix: 10, limit: Int.max) else {
            throw HTTPError(.contentTooLarge, "Content-Length \(text.prefix(32)) out of range")
        }
        return length
    }

    /// The value of a digit string in `radix` (every byte a valid digit), or nil once it passes
    /// `limit`: the accumulation stops there, so it never overflows.
    package static func boundedValue(_ digits: some Sequence<UInt8>, radix: Int, limit: Int) -> Int? {
        var value = 0
        for byte in digits {
            guard let digit = digitValue(byte), digit < radix else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: radix)
            guard !overflow, shifted <= limit - digit else { return nil }
            value = shifted + digit
        }
        return value
    }

    // MARK: - Chunked body (RFC 9112 §7.1)

    /// Consumes chunked framing from `buffer`, appending chunk data to `body`.
    /// - Returns: The whole body once the last chunk and trailers are in, else nil (more needed).
    private func parseChunked(
        _ buffer: inout InputBuffer,
        chunkState: inout ChunkState,
        body: inout [UInt8],
        framingExcess: inout Int
    ) throws -> [UInt8]? {
        let limits = self.limits
        let bodyLimit = self.bodyLimit
        while true {
            switch chunkState {
            case .size:
                let budget = bodyLimit - body.count
                guard let (lineLength, size) = try buffer.withReadableBytes({ try Self.parseChunkSizeLine($0, limit: budget) }) else {
                    return nil
                }
                guard let size else {
                    throw HTTPError(.contentTooLarge, "body larger than \(bodyLimit) bytes")
                }
                // Chunk framing (size lines, extensions, CRLFs) is allowed 16 bytes per chunk plus
                // twice the chunk's data; what goes beyond that may add up to the size of a request
                // head (16 KiB by default), then the body is refused. Go's net/http has the same
                // rule: one byte per chunk (`1\r\nX\r\n`, 5 bytes of framing per byte) stays inside
                // it, while 1 KiB of extension per 1-byte chunk, a thousand bytes parsed per byte
                // delivered, is cut off after about 16 chunks.
                framingExcess = max(0, framingExcess + lineLength + 2 - 16 - 2 * min(size, Int.max / 4))
                guard framingExcess <= limits.maxHeaderBytes else {
                    throw HTTPError(.badRequest, "too much chunk framing for the data it carries")
                }
                buffer.consume(lineLength)
                chunkState = size == 0 ? .trailer(lines: 0, bytes: 0) : .data(remaining: size)
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

    /// `chunk-size [ chunk-ext ] CRLF` with `chunk-size = 1*HEXDIG` (RFC 9112 §7.1): leading zeros
    /// are valid, so the value is bounded, not the digit count (the line length bounds that).
    /// Extensions are checked against their grammar and ignored.
    /// - Parameter limit: The most body bytes still allowed.
    /// - Returns: The line's length with its CRLF and the chunk size, nil as the size when it is
    ///   above `limit`; nil when the line is incomplete.
    private static func parseChunkSizeLine(
        _ bytes: UnsafeBufferPointer<UInt8>,
        limit: Int
    ) throws -> (length: Int, size: Int?)? {
        guard let length = try lineLength(bytes, limit: maxChunkLineLength, tooLong: chunkLineTooLong) else { return nil }
        let line = UnsafeBufferPointer(rebasing: bytes[..<(length - 2)])
        var index = 0
        while index < line.count, digitValue(line[index]) != nil { index += 1 }
        guard index > 0 else { throw HTTPError(.badRequest, "invalid chunk size") }
        if index < line.count {
            var rest = index
            skipWhitespace(line, &rest)
            guard rest < line.count, line[rest] == UInt8(ascii: ";") else {
                throw HTTPError(.badRequest, "invalid chunk size")
            }
            try validateChunkExtensions(line, from: rest)
        }
        return (length, boundedValue(line[..<index], radix: 16, limit: limit))
    }

    /// Checks the whole grammar of RFC 9112 §7.1.1, although the extensions themselves are ignored:
    /// `chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )`, a name being a
    /// token and a value a token or a quoted-string (with quoted-pairs, RFC 9110 §5.6.4). A
    /// recipient that only checks characters accepts `;a="x` (an unterminated string) or `;=x`
    /// (no name), which another parser on the path may split differently: a desynchronisation
    /// primitive between a front end and this server.
    /// - Parameters:
    ///   - line: The chunk-size line without its CRLF.
    ///   - start: The index of the first `;`.
    private static func validateChunkExtensions(_ line: UnsafeBufferPointer<UInt8>, from start: Int) throws {
        let invalid = HTTPError(.badRequest, "invalid chunk extension")
        var index = start
        while index < line.count {
            // BWS ";" BWS
            skipWhitespace(line, &index)
            guard index < line.count, line[index] == UInt8(ascii: ";") else { throw invalid }
            index += 1
            skipWhitespace(line, &index)
            // chunk-ext-name = token
            let nameStart = index
            while index < line.count, ByteClasses.isToken(line[index]) { index += 1 }
            guard index > nameStart else { throw invalid }
            // [ BWS "=" BWS chunk-ext-val ]
            var afterName = index
            skipWhitespace(line, &afterName)
            guard afterName < line.count, line[afterName] == UInt8(ascii: "=") else {
                index = afterName
                continue
            }
            index = afterName + 1
            skipWhitespace(line, &index)
            guard index < line.count else { throw invalid }
            if line[index] == UInt8(ascii: "\"") {
                index = try endOfQuotedString(line, from: index)
            } else {
                let valueStart = index
                while index < line.count, ByteClasses.isToken(line[index]) { index += 1 }
                guard index > valueStart else { throw invalid }
            }
        }
    }

    /// The index after the quoted-string that opens at `start` (RFC 9110 §5.6.4):
    /// `DQUOTE *( qdtext / quoted-pair ) DQUOTE`.
    /// - Throws: 400 when it is not closed or holds a byte neither form allows.
    private static func endOfQuotedString(_ line: UnsafeBufferPointer<UInt8>, from start: Int) throws -> Int {
        var index = start + 1
        while index < line.count {
            let byte = line[index]
            switch byte {
            case UInt8(ascii: "\""):
                return index + 1
            case UInt8(ascii: "\\"):
                // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                guard index + 1 < line.count, isQuotable(line[index + 1]) else {
                    throw HTTPError(.badRequest, "invalid quoted-pair in a chunk extension")
                }
                index += 2
            default:
                // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
                guard isQuotable(byte) else { throw HTTPError(.badRequest, "invalid character in a chunk extension") }
                index += 1
            }
        }
        throw HTTPError(.badRequest, "unterminated quoted-string in a chunk extension")
    }

    /// HTAB, SP, VCHAR or obs-text: what a quoted-pair may escape, and (but for DQUOTE and "\\",
    /// handled before) what qdtext allows.
    private static func isQuotable(_ byte: UInt8) -> Bool {
        byte == ByteClasses.tab || (byte >= 0x20 && byte != 0x7F)
    }

    /// Moves `index` past spaces and tabs (BWS, RFC 9110 §5.6.3).
    private static func skipWhitespace(_ line: UnsafeBufferPointer<UInt8>, _ index: inout Int) {
        while index < line.count, line[index] == ByteClasses.space || line[index] == ByteClasses.tab { index += 1 }
    }

    /// The value of a decimal or hexadecimal digit.
    private static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        default: nil
        }
    }
}

extension ByteClasses {
    package static func isTokenString(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { isToken($0) }
    }
}
