/// Serializes a response head (RFC 9112 §4, §6). The server owns framing, so the handler's own
/// `Content-Length`, `Transfer-Encoding`, `Connection` and `Date` fields are replaced; bytes that
/// would split a response (CR, LF, NUL) are replaced with spaces, in values and reason phrases.
struct ResponseHeadEncoder {
    /// The `Date` value, recomputed at most once a second.
    private var cachedDate: [UInt8] = []
    private var cachedDateSecond = -1

    /// Encodes the head.
    /// - Parameters:
    ///   - response: The response.
    ///   - keepAlive: Whether the connection stays open.
    ///   - requestVersion: The request's version; HTTP/1.0 clients need `Connection: keep-alive`.
    ///   - now: The wall-clock second, for `Date`.
    /// - Returns: The head bytes, ending in CRLF CRLF.
    mutating func encode(
        _ response: HTTPResponse,
        keepAlive: Bool,
        requestVersion: HTTPVersion,
        nowEpochSeconds now: Int
    ) -> [UInt8] {
        var head: [UInt8] = []
        head.reserveCapacity(256)
        head.append(contentsOf: "HTTP/1.1 \(response.status.code) ".utf8)
        Self.appendNeutralized(&head, response.status.reasonPhrase)
        head.append(contentsOf: "\r\n".utf8)
        // A field without a name would be an invalid line that clients reject with the response.
        for field in response.headers where !field.name.isEmpty && !Self.serverOwned(field.name) {
            Self.appendField(&head, field.name, field.value)
        }
        if now != cachedDateSecond {
            cachedDate = Array(HTTPDate.format(epochSeconds: now).utf8)
            cachedDateSecond = now
        }
        head.append(contentsOf: "Date: ".utf8)
        head.append(contentsOf: cachedDate)
        head.append(contentsOf: "\r\n".utf8)
        // RFC 9110 §8.6: no Content-Length on 1xx and 204; a 304 may omit it.
        if !response.status.forbidsContent {
            head.append(contentsOf: "Content-Length: \(response.body.count)\r\n".utf8)
        }
        if !keepAlive {
            head.append(contentsOf: "Connection: close\r\n".utf8)
        } else if requestVersion == .http1_0 {
            head.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        head.append(contentsOf: "\r\n".utf8)
        return head
    }

    private static func serverOwned(_ name: String) -> Bool {
        name.equalsIgnoringASCIICase("Content-Length") || name.equalsIgnoringASCIICase("Transfer-Encoding")
            || name.equalsIgnoringASCIICase("Connection") || name.equalsIgnoringASCIICase("Date")
    }

    private static func appendField(_ head: inout [UInt8], _ name: String, _ value: String) {
        for byte in name.utf8 {
            head.append(ByteClasses.token[Int(byte)] ? byte : UInt8(ascii: "-"))
        }
        head.append(contentsOf: ": ".utf8)
        appendNeutralized(&head, value)
        head.append(contentsOf: "\r\n".utf8)
    }

    /// Appends `text` with CR, LF and NUL replaced by spaces, so no value (a field's, or a custom
    /// status's reason phrase) can end a line early and inject fields or a second response.
    private static func appendNeutralized(_ head: inout [UInt8], _ text: String) {
        for byte in text.utf8 {
            head.append(byte == 0x0D || byte == 0x0A || byte == 0x00 ? 0x20 : byte)
        }
    }
}
