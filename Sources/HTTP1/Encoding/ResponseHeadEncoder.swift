/// Serializes a response head (RFC 9112 §4, §6). The server owns framing, so the handler's own
/// `Content-Length`, `Transfer-Encoding`, `Connection` and `Date` fields are replaced; bytes that
/// would split a response (CR, LF, NUL) are replaced with spaces, in values and reason phrases.
package struct ResponseHeadEncoder {
    package init() {}
    /// The `Date` value, recomputed at most once a second.
    private var cachedDate: [UInt8] = []
    private var cachedDateSecond = -1
    /// The last head returned. Once the connection has written it and let go, its storage is
    /// unique again and the next head is built in it: no allocation per response. (A head still
    /// waiting in a slow connection's queue is shared, and the next one gets storage of its own.)
    private var buffer: [UInt8] = []

    /// Heads larger than this do not keep their storage for the next one.
    private static let retainedCapacity = 4096

    /// Encodes the head.
    /// - Parameters:
    ///   - response: The response.
    ///   - keepAlive: Whether the connection stays open.
    ///   - requestVersion: The request's version; HTTP/1.0 clients need `Connection: keep-alive`.
    ///   - now: The wall-clock second, for `Date`.
    /// - Returns: The head bytes, ending in CRLF CRLF.
    package mutating func encode(
        _ response: HTTPResponse,
        keepAlive: Bool,
        requestVersion: HTTPVersion,
        nowEpochSeconds now: Int
    ) -> [UInt8] {
        var head = buffer
        buffer = []
        head.removeAll(keepingCapacity: head.capacity <= Self.retainedCapacity)
        head.reserveCapacity(256)
        if let encoded = response.encodedStatusAndFields {
            head.append(contentsOf: encoded)
        } else {
            Self.appendStatusAndFields(of: response, to: &head)
        }
        if now != cachedDateSecond {
            cachedDate = Array("Date: \(HTTPDate.format(epochSeconds: now))\r\n".utf8)
            cachedDateSecond = now
        }
        // The server's own fields, which end every head, are written into a buffer on the stack
        // and appended at once: an `Array` append costs more than the few bytes of each of them.
        let contentLength = response.status.forbidsContent ? nil : response.body.count
        let cachedDate = self.cachedDate
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.serverFieldsCapacity) { buffer in
            var fields = FieldBuffer(buffer)
            fields.write(cachedDate)
            // RFC 9110 §8.6: no Content-Length on 1xx and 204; a 304 may omit it.
            if let contentLength {
                fields.write("Content-Length: ")
                fields.writeDecimal(contentLength)
                fields.write("\r\n")
            }
            if !keepAlive {
                fields.write("Connection: close\r\n")
            } else if requestVersion == .http1_0 {
                fields.write("Connection: keep-alive\r\n")
            }
            fields.write("\r\n")
            head.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<fields.count]))
        }
        buffer = head
        return head
    }

    /// Room for the longest run of server fields: `Date` (37 bytes), `Content-Length` with 19
    /// digits (37), `Connection: keep-alive` (24) and the empty line (2).
    private static let serverFieldsCapacity = 128

    /// Writes bytes into a buffer of known size, for the server's fields.
    private struct FieldBuffer {
        private let buffer: UnsafeMutableBufferPointer<UInt8>
        private(set) var count = 0

        init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
            self.buffer = buffer
        }

        @inline(__always)
        mutating func write(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { write($0) }
        }

        @inline(__always)
        mutating func write(_ text: StaticString) {
            text.withUTF8Buffer { write($0) }
        }

        @inline(__always)
        mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
            precondition(buffer.count - count >= bytes.count, "server fields past their buffer")
            (buffer.baseAddress! + count).update(from: source, count: bytes.count)
            count += bytes.count
        }

        /// A non-negative integer in decimal.
        @inline(__always)
        mutating func writeDecimal(_ value: Int) {
            var digits = 1
            var rest = value / 10
            while rest > 0 {
                digits += 1
                rest /= 10
            }
            precondition(buffer.count - count >= digits, "server fields past their buffer")
            rest = value
            for offset in stride(from: count + digits - 1, through: count, by: -1) {
                buffer[offset] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            count += digits
        }
    }

    /// Appends the status line and the handler's fields, without the server-owned ones.
    package static func appendStatusAndFields(of response: HTTPResponse, to head: inout [UInt8]) {
        appendLiteral(&head, "HTTP/1.1 ")
        appendDecimal(&head, response.status.code)
        head.append(UInt8(ascii: " "))
        appendNeutralized(&head, response.status.reasonPhrase)
        appendLiteral(&head, "\r\n")
        // A field without a name would be an invalid line that clients reject with the response.
        response.headers.forEachField { name, value in
            if !name.isEmpty && !serverOwned(name) { appendField(&head, name, value) }
            return false
        }
    }

    private static func serverOwned(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        // Most names have none of these lengths (4, 10, 14, 17): one comparison decides.
        switch name.count {
        case 4: return isName(name, "date")
        case 10: return isName(name, "connection")
        case 14: return isName(name, "content-length")
        case 17: return isName(name, "transfer-encoding")
        default: return false
        }
    }

    private static func isName(_ name: UnsafeBufferPointer<UInt8>, _ lowercased: StaticString) -> Bool {
        lowercased.withUTF8Buffer { ByteClasses.equalsIgnoringASCIICase(name, $0) }
    }

    // The appenders below copy whole runs of bytes when nothing needs replacing (the usual case):
    // they run for every field of every response.

    private static func appendField(_ head: inout [UInt8], _ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) {
        if ByteClasses.isToken(name) {
            head.append(contentsOf: name)
        } else {
            for byte in name { head.append(ByteClasses.isToken(byte) ? byte : UInt8(ascii: "-")) }
        }
        appendLiteral(&head, ": ")
        appendNeutralized(&head, value)
        appendLiteral(&head, "\r\n")
    }

    /// Appends a literal's bytes (a `StaticString`: no string object to retain and release).
    @inline(__always)
    private static func appendLiteral(_ head: inout [UInt8], _ text: StaticString) {
        text.withUTF8Buffer { head.append(contentsOf: $0) }
    }

    /// Appends `text` with CR, LF and NUL replaced by spaces, so no value (a field's, or a custom
    /// status's reason phrase) can end a line early and inject fields or a second response.
    private static func appendNeutralized(_ head: inout [UInt8], _ text: String) {
        var text = text
        text.withUTF8 { appendNeutralized(&head, $0) }
    }

    private static func appendNeutralized(_ head: inout [UInt8], _ bytes: UnsafeBufferPointer<UInt8>) {
        func isLineBreaking(_ byte: UInt8) -> Bool { byte == 0x0D || byte == 0x0A || byte == 0x00 }
        if !bytes.contains(where: isLineBreaking) {
            head.append(contentsOf: bytes)
        } else {
            for byte in bytes { head.append(isLineBreaking(byte) ? 0x20 : byte) }
        }
    }

    /// Appends a non-negative integer in decimal, without building a String.
    private static func appendDecimal(_ head: inout [UInt8], _ value: Int) {
        guard value > 0 else {
            head.append(UInt8(ascii: "0"))
            return
        }
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            head.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
