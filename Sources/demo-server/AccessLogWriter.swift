import DemoApp

/// The server's access log: each entry formatted straight into the stdout writer's buffer, in the
/// same text or JSON line `LineLogHandler` writes for an `info` event of the logger `access`
/// (same fields, same order, same escaping), without swift-log's metadata dictionary, a `String`
/// per value or sorting keys per line.
final class AccessLogWriter: AccessLog {
    private let format: LogFormat
    private let output: BufferedLineWriter

    /// Creates the writer.
    /// - Parameters:
    ///   - format: Text or JSON lines.
    ///   - output: Where the lines go (stdout's writer), without blocking.
    init(format: LogFormat, output: BufferedLineWriter) {
        self.format = format
        self.output = output
    }

    func record(_ entry: AccessLogEntry) {
        let format = format
        output.appendLine { Self.append(entry, format: format, to: &$0) }
    }

    /// Appends the entry's line, newline included, stamped with the time now.
    /// - Parameters:
    ///   - entry: The entry.
    ///   - format: Text or JSON.
    ///   - line: The buffer the line goes into.
    static func append(_ entry: AccessLogEntry, format: LogFormat, to line: inout [UInt8]) {
        switch format {
        case .text: appendText(entry, to: &line)
        case .json: appendJSON(entry, to: &line)
        }
        line.append(UInt8(ascii: "\n"))
    }

    private static func appendText(_ entry: AccessLogEntry, to line: inout [UInt8]) {
        LogTimestamp.append(to: &line)
        append(" info access: ", to: &line)
        withMessage(entry) { LogEscaping.appendTextMessage(utf8: $0, to: &line) }
        appendFields(entry, to: &line) { key, line in
            append(key.text, to: &line)
        } value: { value, line in
            LogEscaping.appendTextValue(value, to: &line)
        } plain: { write, line in
            write(&line)
        }
    }

    private static func appendJSON(_ entry: AccessLogEntry, to line: inout [UInt8]) {
        append("{\"timestamp\":\"", to: &line)
        LogTimestamp.append(to: &line)
        append("\",\"level\":\"info\",\"logger\":\"access\",\"message\":", to: &line)
        withMessage(entry) { LogEscaping.appendJSONString(utf8: $0, to: &line) }
        appendFields(entry, to: &line) { key, line in
            append(key.json, to: &line)
        } value: { value, line in
            LogEscaping.appendJSONString(value, to: &line)
        } plain: { write, line in
            line.append(UInt8(ascii: "\""))
            write(&line)
            line.append(UInt8(ascii: "\""))
        }
        line.append(UInt8(ascii: "}"))
    }

    /// Calls `body` with the message's UTF-8: `GET /target 200`, or `- - 400` for a rejected
    /// request. Assembled on the stack, since it is escaped (and bounded) as one value.
    private static func withMessage(_ entry: AccessLogEntry, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var method = entry.method ?? "-"
        var target = entry.target ?? "-"
        method.withUTF8 { method in
            target.withUTF8 { target in
                let count = method.count + target.count + 2 + 20
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
                    var end = 0
                    func put(_ byte: UInt8) {
                        buffer[end] = byte
                        end += 1
                    }
                    for byte in method { put(byte) }
                    put(UInt8(ascii: " "))
                    for byte in target { put(byte) }
                    put(UInt8(ascii: " "))
                    let digits = end
                    var status = max(entry.status, 0)
                    repeat {
                        put(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: status % 10))
                        status /= 10
                    } while status > 0
                    var reversed = UnsafeMutableBufferPointer(rebasing: buffer[digits..<end])
                    reversed.reverse()
                    body(UnsafeBufferPointer(rebasing: buffer[..<end]))
                }
            }
        }
    }

    /// The fields in the order `LineLogHandler` sorts their keys: bytes, duration_ms, method,
    /// path, rejected, remote, request_id, span_id, status, trace_id, user_agent. `value` writes
    /// a value a client may have chosen (escaped); `plain` one the server made (digits, hex).
    private static func appendFields(
        _ entry: AccessLogEntry, to line: inout [UInt8],
        key: (Key, inout [UInt8]) -> Void,
        value: (String, inout [UInt8]) -> Void,
        plain: ((inout [UInt8]) -> Void, inout [UInt8]) -> Void
    ) {
        if let bytes = entry.bytes {
            key(.bytes, &line)
            plain({ LogTimestamp.appendDigits(bytes, width: 1, to: &$0) }, &line)
        }
        if let micros = entry.durationMicroseconds {
            key(.duration, &line)
            // Milliseconds with three decimals.
            plain(
                {
                    LogTimestamp.appendDigits(micros / 1000, width: 1, to: &$0)
                    $0.append(UInt8(ascii: "."))
                    LogTimestamp.appendDigits(micros % 1000, width: 3, to: &$0)
                }, &line)
        }
        if let rejection = entry.rejection {
            key(.rejected, &line)
            value(rejection, &line)
        } else {
            key(.method, &line)
            value(entry.method ?? "-", &line)
            key(.path, &line)
            value(entry.path ?? "-", &line)
        }
        key(.remote, &line)
        value(entry.remoteAddress ?? "-", &line)
        if let requestID = entry.requestID {
            key(.requestID, &line)
            value(requestID, &line)
        }
        key(.spanID, &line)
        plain({ appendHex(entry.spanID.value, to: &$0) }, &line)
        key(.status, &line)
        plain({ LogTimestamp.appendDigits(entry.status, width: 1, to: &$0) }, &line)
        key(.traceID, &line)
        plain(
            {
                appendHex(entry.traceID.high, to: &$0)
                appendHex(entry.traceID.low, to: &$0)
            }, &line)
        if entry.rejection == nil {
            key(.userAgent, &line)
            value(entry.userAgent ?? "-", &line)
        }
    }

    /// A field's key with what goes around it in each format, appended as one run of bytes.
    private struct Key {
        let text: StaticString
        let json: StaticString

        static let bytes = Key(text: " bytes=", json: ",\"bytes\":")
        static let duration = Key(text: " duration_ms=", json: ",\"duration_ms\":")
        static let method = Key(text: " method=", json: ",\"method\":")
        static let path = Key(text: " path=", json: ",\"path\":")
        static let rejected = Key(text: " rejected=", json: ",\"rejected\":")
        static let remote = Key(text: " remote=", json: ",\"remote\":")
        static let requestID = Key(text: " request_id=", json: ",\"request_id\":")
        static let spanID = Key(text: " span_id=", json: ",\"span_id\":")
        static let status = Key(text: " status=", json: ",\"status\":")
        static let traceID = Key(text: " trace_id=", json: ",\"trace_id\":")
        static let userAgent = Key(text: " user_agent=", json: ",\"user_agent\":")
    }

    private static func append(_ text: StaticString, to line: inout [UInt8]) {
        text.withUTF8Buffer { line.append(contentsOf: $0) }
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// The 16 lowercase hex digits of `value`, appended at once.
    private static func appendHex(_ value: UInt64, to line: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buffer in
            hexDigits.withUTF8Buffer { digits in
                for index in 0..<16 {
                    buffer[index] = digits[Int((value >> UInt64(60 - 4 * index)) & 0xF)]
                }
            }
            line.append(contentsOf: UnsafeBufferPointer(buffer))
        }
    }
}
