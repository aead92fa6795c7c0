import Testing

@testable import DemoApp

/// RFC 8259's grammar, strictly: what `JSONReader` accepts, what it refuses, and where it says
/// the text went wrong.
@Suite struct JSONReaderTests {
    private func read(_ text: String, maximumDepth: Int = JSONReader.defaultMaximumDepth) throws(JSONReadError) -> JSONValue {
        try JSONReader.read(Array(text.utf8), maximumDepth: maximumDepth)
    }

    /// The error for a text the reader must refuse; records an issue when it is accepted.
    private func refusal(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> JSONReadError? {
        do {
            let value = try JSONReader.read(bytes)
            Issue.record("accepted \(bytes) as \(value)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    private func refusal(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONReadError? {
        refusal(Array(text.utf8), sourceLocation: sourceLocation)
    }

    private func number(_ literal: String) -> JSONValue { .number(JSONNumber(literal: literal)) }

    // MARK: - Accepted

    @Test func objectKeepsMembersInDocumentOrder() throws {
        let value = try read(#"{"b": 1, "a": [true, false, null], "c": {"d": "e"}}"#)
        #expect(value == .object([
            JSONMember(name: "b", value: number("1")),
            JSONMember(name: "a", value: .array([.bool(true), .bool(false), .null])),
            JSONMember(name: "c", value: .object([JSONMember(name: "d", value: .string("e"))])),
        ]))
    }

    @Test(arguments: [
        ("null", JSONValue.null), ("true", .bool(true)), ("false", .bool(false)),
        (#""text""#, .string("text")), ("[]", .array([])), ("{}", .object([])),
    ])
    func anyValueMayStandAlone(text: String, expected: JSONValue) throws {
        #expect(try read(text) == expected)
    }

    @Test func onlySpaceTabCRAndLFAreWhitespace() throws {
        #expect(try read(" \t\r\n[ 1 ,\t2\r\n] \n") == .array([number("1"), number("2")]))
        for whitespace in ["\u{0B}", "\u{0C}", "\u{A0}", "\u{2028}", "\u{FEFF}"] {
            #expect(refusal("[1]" + whitespace) != nil, "\(whitespace.unicodeScalars.first!.value) is not JSON whitespace")
            #expect(refusal(whitespace + "[1]") != nil, "\(whitespace.unicodeScalars.first!.value) is not JSON whitespace")
        }
    }

    @Test(arguments: ["0", "-0", "7", "-12", "0.5", "-0.25", "1e3", "1E+3", "2.5e-10", "0e1", "-0.0e-3", "1e-400", "123456789012345678901234567890"])
    func numbersFollowingTheGrammarKeepTheirLiteral(literal: String) throws {
        #expect(try read(literal) == number(literal))
    }

    @Test func integersAreExactAndOverflowIsRefusedNotWrapped() throws {
        #expect(try read("9223372036854775807").integerValue == Int.max)
        #expect(try read("-9223372036854775808").integerValue == Int.min)
        #expect(try read("4144402113").integerValue == 4_144_402_113)
        #expect(try read("-0").integerValue == 0)
        #expect(try read("9223372036854775808").integerValue == nil)
        #expect(try read("-9223372036854775809").integerValue == nil)
        #expect(try read("123456789012345678901234567890").integerValue == nil)
        #expect(try read("1.0").integerValue == nil)
        #expect(try read("1e3").integerValue == nil)
    }

    @Test func everyEscapeDecodes() throws {
        #expect(try read(#""\" \\ \/ \b \f \n \r \t""#) == .string("\" \\ / \u{08} \u{0C} \n \r \t"))
        #expect(try read(#""\u0041\u00e9\u20AC\u0000""#) == .string("Aé€\u{0}"))
    }

    @Test func surrogatePairEscapeDecodesToOneScalar() throws {
        let value = try read(#""\ud83d\ude00 \uD834\uDD1E""#)
        #expect(value.stringValue?.unicodeScalars.map(\.value) == [0x1F600, 0x20, 0x1D11E])
    }

    @Test func wellFormedUTF8PassesThroughUnchanged() throws {
        let text = "é € 😀 \u{7F} \u{10FFFF} \u{E000}"
        let bytes: [UInt8] = [0x22] + Array(text.utf8) + [0x22]
        #expect(try JSONReader.read(bytes) == .string(text))
    }

    @Test func escapedNamesAreTheNamesTheySpell() throws {
        let value = try read(#"{"v\u0061riant": "a"}"#)
        #expect(value["variant"] == .string("a"))
    }

    // MARK: - Refused by the grammar

    @Test(arguments: [
        ("", 0), ("   ", 3), ("[1,]", 3), ("{\"a\":1,}", 7), ("[,1]", 1), ("[1 2]", 3),
        ("{\"a\" 1}", 5), ("{\"a\":}", 5), ("{a:1}", 1), ("{'a':1}", 1), ("['a']", 1),
        ("[1] // note", 4), ("/* note */ [1]", 0), ("[1] [2]", 4), ("{} x", 3),
        ("[", 1), ("{", 1), ("[1", 2), ("{\"a\":1", 6), ("]", 0), ("}", 0),
        ("tru", 0), ("True", 0), ("nul", 0), ("nullx", 4), ("undefined", 0),
        ("NaN", 0), ("Infinity", 0), ("-Infinity", 1),
    ])
    func textOutsideTheGrammarIsRefusedAtItsOffset(text: String, offset: Int) {
        let error = refusal(text)
        #expect(error?.offset == offset, "\(text): \(error?.description ?? "accepted")")
        #expect(error?.kind == .syntax)
    }

    @Test(arguments: [
        ("01", 0), ("-01", 1), ("00", 0), ("+1", 0), (".5", 0), ("1.", 2), ("1.e3", 2), ("1e", 2),
        ("1e+", 3), ("-", 1), ("- 1", 1), ("0x1F", 1), ("1_000", 1),
    ])
    func numbersOutsideTheGrammarAreRefused(text: String, offset: Int) {
        let error = refusal(text)
        #expect(error?.offset == offset, "\(text): \(error?.description ?? "accepted")")
    }

    @Test func leadingZeroIsNamedInTheMessage() {
        #expect(refusal("[01]")?.description == "leading zero in a number at byte 1")
    }

    @Test func unescapedControlCharactersInStringsAreRefused() {
        for byte in UInt8(0x00)...0x1F {
            let error = refusal([0x22, 0x61, byte, 0x22])
            #expect(error?.offset == 2)
            #expect(error?.message.contains("must be escaped") == true)
        }
    }

    @Test(arguments: [#""\x41""#, #""\U0041""#, #""\u00G1""#, #""\u004""#, #""\'""#, #""\"#, "\"\\\u{1}\""])
    func malformedEscapesAreRefused(text: String) {
        #expect(refusal(text)?.offset == 1)
    }

    @Test(arguments: [
        #""\ud800""#, #""\uDBFF x""#, #""\udc00""#, #""\uDFFF\uD800""#, #""\ud800\u0041""#,
        #""\ud800\ud800""#, #""\ud800\n""#, #""\ud83d""#,
    ])
    func unpairedSurrogateEscapesAreRefused(text: String) {
        let error = refusal(text)
        #expect(error?.message.hasPrefix("unpaired surrogate") == true, "\(text): \(error?.description ?? "accepted")")
    }

    @Test(arguments: [
        [0x80], [0xBF], [0xC0, 0xAF], [0xC1, 0xBF], [0xC3, 0x28], [0xC3],
        [0xE0, 0x80, 0xAF], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
        [0xF0, 0x80, 0x80, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFE], [0xFF],
    ] as [[UInt8]])
    func illFormedUTF8InAStringIsRefused(sequence: [UInt8]) {
        let error = refusal([0x22, 0x61] + sequence + [0x62, 0x22])
        #expect(error?.offset == 2, "\(sequence): \(error?.description ?? "accepted")")
        #expect(error?.message.contains("UTF-8") == true)
    }

    @Test func bytesOutsideASCIIAreRefusedOutsideStrings() {
        #expect(refusal([0x5B, 0xC3, 0xA9, 0x5D])?.offset == 1)
    }

    @Test func byteOrderMarkIsRefused() {
        let error = refusal([0xEF, 0xBB, 0xBF] + Array("{}".utf8))
        #expect(error?.offset == 0)
        #expect(error?.message.contains("byte order mark") == true)
    }

    @Test func utf16TextIsRefused() {
        #expect(refusal([0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00]) != nil)
        #expect(refusal([0x7B, 0x00, 0x7D, 0x00]) != nil)
    }

    @Test func unclosedStringIsRefusedWhereItOpens() {
        #expect(refusal(#"{"a": "bc"#)?.offset == 6)
        #expect(refusal(#"["a\"#)?.offset == 3)
    }

    // MARK: - Duplicates and depth

    @Test func duplicateMemberNamesAreRefusedWithTheName() {
        let error = refusal(#"{"variant": "a", "variant": "b"}"#)
        #expect(error?.kind == .duplicateName("variant"))
        #expect(error?.offset == 17)
        #expect(error?.description == #"duplicate member name "variant" at byte 17"#)
    }

    @Test func namesThatDecodeAlikeAreDuplicates() {
        #expect(refusal(#"{"variant": 1, "v\u0061riant": 2}"#)?.kind == .duplicateName("variant"))
    }

    @Test func namesDifferingOnlyInUnicodeNormalisationAreDistinct() throws {
        // RFC 8259 §8.3 compares names code unit by code unit: "é" precomposed and decomposed are
        // two names, although Swift's String equality would call them equal.
        let value = try read("{\"\u{E9}\": 1, \"e\u{301}\": 2}")
        #expect(value.objectMembers?.count == 2)
        #expect(value["\u{E9}"]?.integerValue == 1)
        #expect(value["e\u{301}"]?.integerValue == 2)
    }

    @Test func theSameNameInSiblingObjectsIsNoDuplicate() throws {
        let value = try read(#"[{"a": 1}, {"a": 2}, {"b": {"a": 3}}]"#)
        #expect(value.arrayValue?.count == 3)
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let depth = JSONReader.defaultMaximumDepth
        _ = try read(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        _ = try read(String(repeating: "{\"a\":", count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1))
    }

    @Test func nestingBeyondTheLimitIsRefusedWhereItGoesTooDeep() {
        let depth = JSONReader.defaultMaximumDepth + 1
        let arrays = refusal(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        #expect(arrays?.kind == .tooDeep)
        #expect(arrays?.offset == depth - 1)
        let objects = refusal(String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth))
        #expect(objects?.kind == .tooDeep)
    }

    @Test func hostileDepthFailsWithoutExhaustingTheStack() {
        let open = refusal(String(repeating: "[", count: 100_000))
        #expect(open?.kind == .tooDeep)
    }

    @Test func depthLimitIsTheCallersChoice() throws {
        #expect(throws: JSONReadError.self) { try read("[[1]]", maximumDepth: 1) }
        #expect(try read("[1]", maximumDepth: 1) == .array([number("1")]))
    }
}
