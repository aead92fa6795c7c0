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
        let bounded = bound(value)
        // Bytes first: printable ASCII other than space, `"`, `=` and `\` is plain, and that is
        // every address, method, status and most paths and user agents.
        if !bounded.isEmpty, bounded.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x3D && $0 != 0x5C }) {
            return bounded
        }
        if !bounded.isEmpty, bounded.unicodeScalars.allSatisfy(isPlainInText) { return bounded }
        return quoted(bounded)
    }

    /// A message for the text format: spaces stay (it is the line's free text, last before the
    /// fields), everything `textValue` would escape is escaped, unquoted.
    /// - Parameter message: The message.
    static func textMessage(_ message: String) -> String {
        let bounded = bound(message)
        if bounded.unicodeScalars.allSatisfy({ $0 == " " || (!needsEscape($0) && $0 != "\\") }) { return bounded }
        var result = ""
        for scalar in bounded.unicodeScalars {
            if scalar == "\\" {
                result += "\\\\"
            } else if needsEscape(scalar) {
                appendEscape(scalar, to: &result)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A JSON string (quotes included) for the JSON format: RFC 8259's escapes, and the escapes
    /// above beyond what it requires.
    /// - Parameter value: The value.
    static func jsonString(_ value: String) -> String {
        quoted(bound(value))
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

    private static func bound(_ value: String) -> String {
        // A scalar is at least one byte: short values (nearly all) need no counting.
        if value.utf8.count <= maxValueScalars { return value }
        var count = 0
        var end = value.unicodeScalars.startIndex
        for index in value.unicodeScalars.indices {
            guard count < maxValueScalars else {
                return String(value.unicodeScalars[..<end]) + truncationMarker
            }
            count += 1
            end = value.unicodeScalars.index(after: index)
        }
        return value
    }

    private static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if needsEscape(scalar) {
                    appendEscape(scalar, to: &result)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    private static let hexDigits = Array("0123456789abcdef".unicodeScalars)

    /// `\uXXXX`, or a surrogate pair of them above U+FFFF (RFC 8259 §7).
    private static func appendEscape(_ scalar: Unicode.Scalar, to result: inout String) {
        for unit in scalar.utf16 {
            result += "\\u"
            for shift in stride(from: 12, through: 0, by: -4) {
                result.unicodeScalars.append(hexDigits[Int(unit >> UInt16(shift)) & 0xF])
            }
        }
    }
}
