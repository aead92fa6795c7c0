/// Reads a JSON text (RFC 8259) from UTF-8 bytes, strictly.
///
/// Written by hand so the static binary does not carry the platform's `JSONDecoder` and the
/// library behind it (megabytes, and their page-ins at start-up) for two small documents: a
/// 1 KiB request body and `image-sizes.json`. That decoder was also laxer than RFC 8259 (it took
/// trailing commas, UTF-16 and a byte order mark, and kept the first of two duplicate names).
///
/// Accepted: exactly one value (any kind, RFC 8259 §2) with only space, tab, CR and LF around
/// and between tokens. Refused, with the byte offset of the problem:
/// - anything outside the grammar: trailing commas, comments, single quotes, bare words,
///   `NaN`/`Infinity`, leading zeros (`01`), `+1`, `.5`, `1.`, a second value after the first;
/// - a byte order mark: RFC 8259 §8.1 lets a reader ignore one, but none is needed in UTF-8 and
///   accepting it would make this reader laxer than the grammar for no client we know of;
/// - in strings, unescaped control characters U+0000-U+001F (§7), unknown escapes, `\u` escapes
///   that leave a surrogate unpaired (§8.2), and bytes that are not well-formed UTF-8 (§8.1;
///   overlong forms, encoded surrogates and code points above U+10FFFF included);
/// - an object with two members of the same name (§4 says names SHOULD be unique; a reader that
///   picks one silently lets two parties read the same text differently);
/// - nesting deeper than `maximumDepth` objects and arrays, so hostile input cannot exhaust the
///   stack of this recursive reader.
/// Callers bound the input's size before reading.
struct JSONReader {
    /// The default for `maximumDepth`: far above the app's documents (three levels) and far
    /// below what the stack holds.
    static let defaultMaximumDepth = 32

    private let bytes: [UInt8]
    private let maximumDepth: Int
    private var offset = 0

    private init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    /// Reads one JSON text.
    /// - Parameters:
    ///   - bytes: The whole text, UTF-8 encoded.
    ///   - maximumDepth: The deepest nesting of objects and arrays accepted (1 allows `[1]` but
    ///     not `[[1]]`).
    /// - Returns: The value.
    /// - Throws: `JSONReadError` with the reason and the byte offset where the text goes wrong.
    static func read(_ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth) throws(JSONReadError) -> JSONValue {
        var reader = JSONReader(bytes: bytes, maximumDepth: maximumDepth)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw JSONReadError(.syntax, "byte order mark before the value", at: 0)
        }
        reader.skipWhitespace()
        let value = try reader.readValue(depth: 0)
        reader.skipWhitespace()
        guard reader.offset == bytes.count else {
            throw JSONReadError(.syntax, "\(describe(bytes[reader.offset])) after the value", at: reader.offset)
        }
        return value
    }

    // MARK: - Values

    /// Reads the value at `offset`.
    /// - Parameter depth: How many objects and arrays enclose it.
    private mutating func readValue(depth: Int) throws(JSONReadError) -> JSONValue {
        guard offset < bytes.count else {
            throw JSONReadError(.syntax, "end of input where a value belongs", at: offset)
        }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return try readObject(depth: depth + 1)
        case UInt8(ascii: "["): return try readArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(String(decoding: try readString(), as: UTF8.self))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try readNumber())
        case UInt8(ascii: "t"): try readLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try readLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try readLiteral("null"); return .null
        case let byte: throw JSONReadError(.syntax, "\(Self.describe(byte)) where a value belongs", at: offset)
        }
    }

    /// Reads `{ ... }` (RFC 8259 §4).
    private mutating func readObject(depth: Int) throws(JSONReadError) -> JSONValue {
        try checkDepth(depth)
        offset += 1
        skipWhitespace()
        var members: [JSONMember] = []
        // Names by their decoded UTF-8 bytes: RFC 8259 §8.3 compares strings code unit by code
        // unit, and Swift's String equality would also merge canonically equivalent names.
        var names = Set<[UInt8]>()
        if peek() == UInt8(ascii: "}") {
            offset += 1
            return .object(members)
        }
        while true {
            guard peek() == UInt8(ascii: "\"") else {
                if peek() == UInt8(ascii: "}") {
                    throw JSONReadError(.syntax, "trailing comma before '}'", at: offset)
                }
                throw unexpected("a member name in double quotes")
            }
            let nameOffset = offset
            let name = try readString()
            let nameText = String(decoding: name, as: UTF8.self)
            guard names.insert(name).inserted else {
                throw JSONReadError(.duplicateName(nameText), "duplicate member name \(nameText.jsonQuoted)", at: nameOffset)
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw unexpected("':' after the member name") }
            offset += 1
            skipWhitespace()
            members.append(JSONMember(name: nameText, value: try readValue(depth: depth)))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                offset += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                offset += 1
                return .object(members)
            default:
                throw unexpected("',' or '}' after a member")
            }
        }
    }

    /// Reads `[ ... ]` (RFC 8259 §5).
    private mutating func readArray(depth: Int) throws(JSONReadError) -> JSONValue {
        try checkDepth(depth)
        offset += 1
        skipWhitespace()
        var elements: [JSONValue] = []
        if peek() == UInt8(ascii: "]") {
            offset += 1
            return .array(elements)
        }
        while true {
            if peek() == UInt8(ascii: "]") {
                throw JSONReadError(.syntax, "trailing comma before ']'", at: offset)
            }
            elements.append(try readValue(depth: depth))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                offset += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                offset += 1
                return .array(elements)
            default:
                throw unexpected("',' or ']' after an element")
            }
        }
    }

    private func checkDepth(_ depth: Int) throws(JSONReadError) {
        guard depth <= maximumDepth else {
            throw JSONReadError(.tooDeep, "objects and arrays nested deeper than \(maximumDepth)", at: offset)
        }
    }

    /// Reads `true`, `false` or `null` (RFC 8259 §3: lowercase only).
    private mutating func readLiteral(_ literal: String) throws(JSONReadError) {
        guard bytes[offset...].starts(with: literal.utf8) else {
            throw JSONReadError(.syntax, "unknown word where a value belongs (only true, false and null are words)", at: offset)
        }
        offset += literal.utf8.count
    }

    // MARK: - Numbers

    /// Reads `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` (RFC 8259 §6).
    private mutating func readNumber() throws(JSONReadError) -> JSONNumber {
        let start = offset
        if peek() == UInt8(ascii: "-") { offset += 1 }
        guard let first = peek(), Self.isDigit(first) else { throw unexpected("a digit") }
        offset += 1
        if first == UInt8(ascii: "0") {
            if let next = peek(), Self.isDigit(next) {
                throw JSONReadError(.syntax, "leading zero in a number", at: offset - 1)
            }
        } else {
            skipDigits()
        }
        if peek() == UInt8(ascii: ".") {
            offset += 1
            guard let next = peek(), Self.isDigit(next) else { throw unexpected("a digit after '.'") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            offset += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { offset += 1 }
            guard let next = peek(), Self.isDigit(next) else { throw unexpected("a digit in the exponent") }
            skipDigits()
        }
        return JSONNumber(literal: String(decoding: bytes[start..<offset], as: UTF8.self))
    }

    private mutating func skipDigits() {
        while let byte = peek(), Self.isDigit(byte) { offset += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: - Strings

    /// Reads a string at `offset` (RFC 8259 §7) and returns its content as well-formed UTF-8.
    private mutating func readString() throws(JSONReadError) -> [UInt8] {
        let start = offset
        offset += 1
        var content: [UInt8] = []
        while true {
            guard offset < bytes.count else {
                throw JSONReadError(.syntax, "string not closed", at: start)
            }
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return content
            case UInt8(ascii: "\\"):
                try readEscape(into: &content)
            case 0x00..<0x20:
                throw JSONReadError(.syntax, "control character \(Self.hex(byte)) in a string must be escaped", at: offset)
            case 0x20..<0x80:
                content.append(byte)
                offset += 1
            default:
                try readMultibyteCharacter(into: &content)
            }
        }
    }

    /// Reads one escape sequence (RFC 8259 §7); a `\u` escape of a UTF-16 high surrogate must be
    /// followed at once by one of a low surrogate, and a low surrogate must not stand alone.
    private mutating func readEscape(into content: inout [UInt8]) throws(JSONReadError) {
        let start = offset
        guard offset + 1 < bytes.count else {
            throw JSONReadError(.syntax, "end of input inside an escape", at: start)
        }
        let letter = bytes[offset + 1]
        offset += 2
        let replacement: UInt8
        switch letter {
        case UInt8(ascii: "\""): replacement = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): replacement = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): replacement = UInt8(ascii: "/")
        case UInt8(ascii: "b"): replacement = 0x08
        case UInt8(ascii: "f"): replacement = 0x0C
        case UInt8(ascii: "n"): replacement = 0x0A
        case UInt8(ascii: "r"): replacement = 0x0D
        case UInt8(ascii: "t"): replacement = 0x09
        case UInt8(ascii: "u"):
            let unit = try readHexQuad(escapeStart: start)
            var scalarValue = UInt32(unit)
            switch unit {
            case 0xD800...0xDBFF:
                guard bytes.count - offset >= 6, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") else {
                    throw JSONReadError(.syntax, "unpaired surrogate \\u\(Self.hex4(unit))", at: start)
                }
                offset += 2
                let low = try readHexQuad(escapeStart: offset - 2)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw JSONReadError(.syntax, "unpaired surrogate \\u\(Self.hex4(unit))", at: start)
                }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            case 0xDC00...0xDFFF:
                throw JSONReadError(.syntax, "unpaired surrogate \\u\(Self.hex4(unit))", at: start)
            default:
                break
            }
            // Surrogates are excluded above, so every remaining value is a scalar.
            if let scalar = Unicode.Scalar(scalarValue) {
                UTF8.encode(scalar) { content.append($0) }
            }
            return
        default:
            throw JSONReadError(.syntax, "unknown escape \\\(Self.describeEscapeLetter(letter))", at: start)
        }
        content.append(replacement)
    }

    /// Reads the four hex digits after `\u`; `offset` is at the first digit.
    private mutating func readHexQuad(escapeStart: Int) throws(JSONReadError) -> UInt16 {
        guard bytes.count - offset >= 4 else {
            throw JSONReadError(.syntax, "\\u needs four hex digits", at: escapeStart)
        }
        var value: UInt16 = 0
        for byte in bytes[offset..<offset + 4] {
            guard let digit = HexDigit.value(byte) else { throw JSONReadError(.syntax, "\\u needs four hex digits", at: escapeStart) }
            value = value << 4 | UInt16(digit)
        }
        offset += 4
        return value
    }

    /// Copies one well-formed UTF-8 sequence of two to four bytes (Unicode 15, table 3-7): no
    /// overlong forms, no encoded surrogates, nothing above U+10FFFF.
    private mutating func readMultibyteCharacter(into content: inout [UInt8]) throws(JSONReadError) {
        let start = offset
        let length: Int
        var secondByte: ClosedRange<UInt8> = 0x80...0xBF
        switch bytes[start] {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondByte = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondByte = 0x80...0x9F
        case 0xF0: length = 4; secondByte = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondByte = 0x80...0x8F
        default: throw JSONReadError(.syntax, "invalid UTF-8 byte \(Self.hex(bytes[start]))", at: start)
        }
        for position in start + 1..<start + length {
            let allowed = position == start + 1 ? secondByte : 0x80...0xBF
            guard position < bytes.count, allowed.contains(bytes[position]) else {
                throw JSONReadError(.syntax, "invalid UTF-8 sequence", at: start)
            }
        }
        content.append(contentsOf: bytes[start..<start + length])
        offset += length
    }

    // MARK: - Bytes

    private func peek() -> UInt8? {
        offset < bytes.count ? bytes[offset] : nil
    }

    /// Skips RFC 8259 §2's insignificant whitespace: space, tab, LF and CR, nothing else.
    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            offset += 1
        }
    }

    private func unexpected(_ expected: String) -> JSONReadError {
        guard let byte = peek() else {
            return JSONReadError(.syntax, "end of input where \(expected) belongs", at: offset)
        }
        return JSONReadError(.syntax, "\(Self.describe(byte)) where \(expected) belongs", at: offset)
    }

    /// A byte for an error message: printable ASCII quoted, anything else in hex.
    private static func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : hex(byte)
    }

    private static func describeEscapeLetter(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? String(Character(Unicode.Scalar(byte))) : "followed by \(hex(byte))"
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return "0x" + (digits.count < 2 ? "0" : "") + digits
    }

    private static func hex4(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}

/// Why `JSONReader` refused a text, and where.
struct JSONReadError: Error, Equatable, CustomStringConvertible {
    /// The class of problem, for callers that answer differently.
    enum Kind: Equatable, Sendable {
        /// Outside RFC 8259's grammar, or not well-formed UTF-8.
        case syntax
        /// An object names this member twice.
        case duplicateName(String)
        /// Nested deeper than the reader's limit.
        case tooDeep
    }

    let kind: Kind
    /// What is wrong, short and safe to show.
    let message: String
    /// The byte offset (from 0) where the problem starts.
    let offset: Int

    init(_ kind: Kind, _ message: String, at offset: Int) {
        self.kind = kind
        self.message = message
        self.offset = offset
    }

    var description: String { "\(message) at byte \(offset)" }
}
