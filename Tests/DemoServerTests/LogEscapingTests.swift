import Foundation
import Logging
import Testing

@testable import demo_server

/// Client-chosen values in the access log: no forged field, no forged line, nothing invisible.
@Suite struct LogEscapingTests {
    private func line(_ fields: Logger.Metadata, message: String = "GET / 200", format: LogFormat) -> String {
        LineLogHandler.line(label: "access", level: .info, message: message, fields: fields, format: format)
    }

    /// Characters that would break a line, reorder what a terminal shows, or hide text.
    static let dangerous: [Unicode.Scalar] = [
        "\u{0}", "\u{7}", "\u{1B}", "\u{7F}", "\u{85}", "\u{9B}", "\u{A0}", "\u{AD}", "\u{200B}", "\u{200E}", "\u{200F}",
        "\u{2028}", "\u{2029}", "\u{202A}", "\u{202E}", "\u{2066}", "\u{2069}", "\u{3000}", "\u{FEFF}", "\u{E0041}",
    ]

    @Test func tabInUserAgentCannotForgeAField() {
        let text = line(["remote": "10.0.0.1", "user_agent": "x\tremote=1.2.3.4"], format: .text)
        #expect(!text.contains("\t"))
        #expect(text.contains(#"user_agent="x\tremote=1.2.3.4""#))
        #expect(text.contains(" remote=10.0.0.1 "))
    }

    @Test func valuesWithSpacesEqualsOrQuotesAreQuotedInText() {
        #expect(line(["f": "a b"], format: .text).hasSuffix(#" f="a b""# + "\n"))
        #expect(line(["f": "a=b"], format: .text).hasSuffix(#" f="a=b""# + "\n"))
        #expect(line(["f": #"a"b"#], format: .text).hasSuffix(#" f="a\"b""# + "\n"))
        #expect(line(["f": #"a\b"#], format: .text).hasSuffix(#" f="a\\b""# + "\n"))
        #expect(line(["f": ""], format: .text).hasSuffix(#" f="""# + "\n"))
    }

    @Test func plainValuesAreWrittenAsTheyAre() {
        #expect(line(["remote": "127.0.0.1", "user_agent": "curl/8.5.0", "city": "Zürich"], format: .text)
            .hasSuffix(" city=Zürich remote=127.0.0.1 user_agent=curl/8.5.0\n"))
    }

    @Test(arguments: dangerous)
    func lineBreakingAndInvisibleCharactersAreEscapedInBothFormats(scalar: Unicode.Scalar) throws {
        let value = "a\(Character(scalar))b"
        for format in [LogFormat.text, .json] {
            let written = line(["user_agent": .string(value)], message: "GET /\(value) 200", format: format)
            #expect(!written.unicodeScalars.contains(scalar), "\(format) U+\(String(scalar.value, radix: 16))")
            #expect(written.unicodeScalars.filter { $0 == "\n" }.count == 1)
            #expect(written.contains("\\u"))
        }
        // JSON readers get the original value back.
        let json = line(["user_agent": .string(value)], message: "GET /\(value) 200", format: .json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["user_agent"] as? String == value)
        #expect(object["message"] as? String == "GET /\(value) 200")
    }

    @Test func textMessageKeepsItsSpacesButNotItsControls() {
        let written = line([:], message: "GET /a\u{2028}b\tc 200", format: .text)
        #expect(written.hasSuffix(#"access: GET /a\u2028b\u0009c 200"# + "\n"))
    }

    @Test func longValuesAreCutToABound() {
        let huge = String(repeating: "A", count: 20_000)
        for format in [LogFormat.text, .json] {
            let written = line(["user_agent": .string(huge)], message: huge, format: format)
            #expect(written.utf8.count < 2 * LogEscaping.maxValueScalars + 200)
            #expect(written.contains(LogEscaping.truncationMarker))
        }
    }
}
