/// How values are written into a log line so that no value, whatever a client put in it, can
/// forge a field, a line or what a terminal shows.
///
/// The access log repeats what clients choose (the target, `User-Agent`). Without this, a TAB
/// writes a forged `remote=` field into a text line, and U+2028, U+0085 or a bidi override make
/// one line read as several, or reversed, in a terminal or a log viewer. Escaped: the C0 controls,
/// DEL and the C1 controls (U+0080-U+009F, U+0085 NEL and U+009B CSI among them), every format
/// character (Unicode category Cf: the bidi controls U+202A-U+202E and U+2066-U+2069, the marks
/// U+200E/U+200F, zero-width characters, the BOM, tag characters), the line and paragraph
/// separators (U+2028, U+2029) and every space but U+0020 (U+00A0 and U+3000 look like a field
/// separator). Each becomes `\uXXXX` (a UTF-16 surrogate pair above U+FFFF), as RFC 8259 §7
/// writes the controls it requires escaping, so a JSON reader gets the original value back.
enum LogEscaping {
    /// The most Unicode scalars kept of one value; the rest is replaced by a marker. A request
    /// head may hold a 16 KiB `User-Agent`; a log line should not.
    static let maxValueScalars = 1024

    /// What replaces a value's tail beyond `maxValueScalars`.
    static let truncationMarker = "...[truncated]"

    /// A field value for the text format: as it is when it is plain (printable ASCII without
    /// space, `=`, `"` or `\`, or printable non-ASCII), otherwise quoted as a JSON string with the
    /// escapes above, logfmt-style.
    /// - Parameter value: The value.
    static func textValue(_ value: String) -> String {
        string { appendTextValue(value, to: &$0) }
    }

    /// A message for the text format: spaces stay (it is the line's free text, last before the
    /// fields), everything `textValue` would escape is escaped, unquoted.
    /// - Parameter message: The message.
    static func textMessage(_ message: String) -> String {
        string { appendTextMessage(message, to: &$0) }
    }

    /// A JSON string (quotes included) for the JSON format: RFC 8259's escapes, and the escapes
    /// above beyond what it requires.
    /// - Parameter value: The value.
    static func jsonString(_ value: String) -> String {
        string { appendJSONString(value, to: &$0) }
    }

    // MARK: - On bytes

    // The rules work on the value's UTF-8 and append to a line's bytes: the access log writes
    // every request's values this way, with no `String` made per value.

    /// Appends `textValue(value)`.
    /// - Parameters:
    ///   - value: The value.
    ///   - line: The line's bytes.
    static func appendTextValue(_ value: String, to line: inout [UInt8]) {
        withUTF8(value) { appendTextValue(utf8: $0, to: &line) }
    }

    /// Appends `textValue` of the value whose UTF-8 (valid) is `utf8`.
    /// - Parameters:
    ///   - utf8: The value's bytes.
    ///   - line: The line's bytes.
    static func appendTextValue(utf8: UnsafeBufferPointer<UInt8>, to line: inout [UInt8]) {
        let (bytes, isTruncated) = bounded(utf8)
        guard !bytes.isEmpty else { return appendQuoted(bytes, isTruncated: isTruncated, to: &line) }
        // Printable ASCII other than space, `"`, `=` and `\` is plain: every address, method,
        // status and most paths and user agents. Then the scalars, for non-ASCII text.
        if bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x3D && $0 != 0x5C })
            || allScalars(of: bytes, satisfy: isPlainInText)
        {
            line.append(contentsOf: bytes)
            if isTruncated { appendTruncationMarker(to: &line) }
        } else {
            appendQuoted(bytes, isTruncated: isTruncated, to: &line)
        }
    }

    /// Appends `textMessage(message)`.
    /// - Parameters:
    ///   - message: The message.
    ///   - line: The line's bytes.
    static func appendTextMessage(_ message: String, to line: inout [UInt8]) {
        withUTF8(message) { appendTextMessage(utf8: $0, to: &line) }
    }

    /// Appends `textMessage` of the message whose UTF-8 (valid) is `utf8`.
    /// - Parameters:
    ///   - utf8: The message's bytes.
    ///   - line: The line's bytes.
    static func appendTextMessage(utf8: UnsafeBufferPointer<UInt8>, to line: inout [UInt8]) {
        let (bytes, isTruncated) = bounded(utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x7F {
                if byte == 0x5C { line.append(0x5C) }
                line.append(byte)
                index += 1
                continue
            }
            index += appendScalar(in: bytes, at: index, to: &line)
        }
        if isTruncated { appendTruncationMarker(to: &line) }
    }

    /// Appends `jsonString(value)`.
    /// - Parameters:
    ///   - value: The value.
    ///   - line: The line's bytes.
    static func appendJSONString(_ value: String, to line: inout [UInt8]) {
        withUTF8(value) { appendJSONString(utf8: $0, to: &line) }
    }

    /// Appends `jsonString` of the value whose UTF-8 (valid) is `utf8`.
    /// - Parameters:
    ///   - utf8: The value's bytes.
    ///   - line: The line's bytes.
    static func appendJSONString(utf8: UnsafeBufferPointer<UInt8>, to line: inout [UInt8]) {
        let (bytes, isTruncated) = bounded(utf8)
        appendQuoted(bytes, isTruncated: isTruncated, to: &line)
    }

    // MARK: - Rules

    /// Whether `scalar` is written as `\uXXXX` in every format.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E: return false
        case 0x00...0x1F, 0x7F...0x9F: return true  // C0, DEL, C1 (NEL U+0085, CSI U+009B).
        case 0xA0...0xFF: return scalar.value == 0xA0 || scalar.value == 0xAD  // NBSP, soft hyphen.
        default:
            switch scalar.properties.generalCategory {
            // Format (bidi controls, zero-width, BOM, tags), line and paragraph separators, spaces
            // other than U+0020, and anything this Unicode version does not know yet.
            case .format, .lineSeparator, .paragraphSeparator, .spaceSeparator, .unassigned, .privateUse, .surrogate:
                return true
            default:
                return false
            }
        }
    }

    private static func isPlainInText(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "=", "\"", "\\": false
        default: !needsEscape(scalar)
        }
    }

    private static func withUTF8(_ value: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var value = value
        value.withUTF8(body)
    }

    /// The first `maxValueScalars` scalars of `bytes`, and whether that is less than all of it.
    private static func bounded(_ bytes: UnsafeBufferPointer<UInt8>) -> (UnsafeBufferPointer<UInt8>, Bool) {
        // A scalar is at least one byte: short values (nearly all) need no counting.
        guard bytes.count > maxValueScalars else { return (bytes, false) }
        var count = 0
        for index in 0..<bytes.count where bytes[index] & 0xC0 != 0x80 {
            if count == maxValueScalars { return (UnsafeBufferPointer(rebasing: bytes[..<index]), true) }
            count += 1
        }
        return (bytes, false)
    }

    /// The scalar whose UTF-8 starts at `index` of valid UTF-8 (a `String`'s), and its length.
    @inline(__always)
    private static func scalar(in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (Unicode.Scalar, Int) {
        let lead = UInt32(bytes[index])
        let (length, initial): (Int, UInt32) =
            lead < 0x80 ? (1, lead) : lead < 0xE0 ? (2, lead & 0x1F) : lead < 0xF0 ? (3, lead & 0x0F) : (4, lead & 0x07)
        var value = initial
        for offset in 1..<length {
            value = value << 6 | UInt32(bytes[index + offset] & 0x3F)
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }

    /// Appends the scalar at `index` (not printable ASCII, which each format escapes its own way)
    /// as it is, or as `\uXXXX` where `needsEscape` says so; returns its length in bytes.
    @inline(__always)
    private static func appendScalar(in bytes: UnsafeBufferPointer<UInt8>, at index: Int, to line: inout [UInt8]) -> Int {
        let (scalar, length) = scalar(in: bytes, at: index)
        if needsEscape(scalar) {
            appendEscape(scalar, to: &line)
        } else {
            line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<(index + length)]))
        }
        return length
    }

    private static func allScalars(of bytes: UnsafeBufferPointer<UInt8>, satisfy predicate: (Unicode.Scalar) -> Bool) -> Bool {
        var index = 0
        while index < bytes.count {
            let (scalar, length) = scalar(in: bytes, at: index)
            guard predicate(scalar) else { return false }
            index += length
        }
        return true
    }

    private static func appendQuoted(_ bytes: UnsafeBufferPointer<UInt8>, isTruncated: Bool, to line: inout [UInt8]) {
        line.append(0x22)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x22: line.append(0x5C); line.append(0x22)
            case 0x5C: line.append(0x5C); line.append(0x5C)
            case 0x0A: line.append(0x5C); line.append(UInt8(ascii: "n"))
            case 0x0D: line.append(0x5C); line.append(UInt8(ascii: "r"))
            case 0x09: line.append(0x5C); line.append(UInt8(ascii: "t"))
            case 0x20..<0x7F: line.append(byte)
            default:
                index += appendScalar(in: bytes, at: index, to: &line)
                continue
            }
            index += 1
        }
        if isTruncated { appendTruncationMarker(to: &line) }
        line.append(0x22)
    }

    private static func appendTruncationMarker(to line: inout [UInt8]) {
        line.append(contentsOf: truncationMarker.utf8)
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// `\uXXXX`, or a surrogate pair of them above U+FFFF (RFC 8259 §7).
    private static func appendEscape(_ scalar: Unicode.Scalar, to line: inout [UInt8]) {
        for unit in scalar.utf16 {
            line.append(0x5C)
            line.append(UInt8(ascii: "u"))
            for shift in stride(from: 12, through: 0, by: -4) {
                line.append(hexDigits.utf8Start[Int(unit >> UInt16(shift)) & 0xF])
            }
        }
    }

    private static func string(_ build: (inout [UInt8]) -> Void) -> String {
        var bytes: [UInt8] = []
        build(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
