import HTTPServer
import Testing

@testable import DemoApp

/// The body of `POST /api/visits`, read without a server: which variant a body names, and the
/// status and message for each kind of bad body.
@Suite struct VisitRequestTests {
    private static let defaultVariant = "multistage"

    private enum Outcome: Equatable, CustomStringConvertible {
        case variant(String)
        case refused(Int, String)

        var description: String {
            switch self {
            case .variant(let name): "variant \(name)"
            case .refused(let code, let reason): "\(code) \(reason)"
            }
        }
    }

    private func outcome(_ body: [UInt8], contentType: String? = "application/json") -> Outcome {
        var headers: HTTPHeaders = [:]
        if let contentType { headers.add("Content-Type", contentType) }
        let request = HTTPRequest(method: .post, target: "/api/visits", headers: headers, body: body)
        do {
            return .variant(try VisitRequest.variant(from: request, defaultVariant: Self.defaultVariant))
        } catch let error as HTTPError {
            return .refused(error.status.code, error.reason)
        } catch {
            Issue.record("unexpected error \(error)")
            return .refused(0, "\(error)")
        }
    }

    private func outcome(_ body: String, contentType: String? = "application/json") -> Outcome {
        outcome(Array(body.utf8), contentType: contentType)
    }

    private static let notJSON = Outcome.refused(400, "the body is not valid JSON")
    private static let notObject = Outcome.refused(400, "the body must be a JSON object")
    private static let notString = Outcome.refused(400, "\"variant\" must be a string")

    @Test(arguments: [
        (#"{"variant":"alpine"}"#, "alpine"),
        (" \r\n\t{ \"variant\" : \"naive\" }\n", "naive"),
        (#"{"variant":"alp\u0069ne"}"#, "alpine"),
        (#"{"variant":"v1.2_rc-3"}"#, "v1.2_rc-3"),
    ])
    func namedVariantIsRecorded(body: String, variant: String) {
        #expect(outcome(body) == .variant(variant))
    }

    @Test(arguments: ["", "{}", " { } ", #"{"variant":null}"#, #"{ "variant" : null }"#])
    func bodyNamingNoVariantRecordsTheDefault(body: String) {
        #expect(outcome(body) == .variant(Self.defaultVariant))
    }

    @Test func emptyBodyNeedsNoContentType() {
        #expect(outcome("", contentType: nil) == .variant(Self.defaultVariant))
    }

    @Test(arguments: ["application/json; charset=utf-8", "Application/JSON", "application/json ;charset=UTF-8"])
    func jsonMediaTypeMayCarryParametersAndAnyCase(contentType: String) {
        #expect(outcome(#"{"variant":"alpine"}"#, contentType: contentType) == .variant("alpine"))
    }

    @Test(arguments: ["[]", "[1, 2]", #""text""#, "5", "true", "null", " null "])
    func bodyThatIsNotAnObjectIsRefused(body: String) {
        #expect(outcome(body) == Self.notObject)
    }

    @Test(arguments: [#"{"variant":1}"#, #"{"variant":true}"#, #"{"variant":["a"]}"#, #"{"variant":{}}"#, #"{"variant":-0.5}"#])
    func variantThatIsNotAStringIsRefused(body: String) {
        #expect(outcome(body) == Self.notString)
    }

    @Test func unknownFieldIsRefusedByName() {
        #expect(outcome(#"{"varient":"x"}"#) == .refused(400, #"unknown field "varient"; only "variant" is accepted"#))
    }

    @Test func unknownFieldNameIsQuotedSafelyInTheMessage() {
        #expect(outcome(#"{"a\"<b\n":1}"#) == .refused(400, #"unknown field "a\"\u003cb\n"; only "variant" is accepted"#))
    }

    @Test func firstUnknownFieldInTheBodyIsTheOneNamed() {
        #expect(outcome(#"{"variant":"a","zeta":1,"alpha":2}"#) == .refused(400, #"unknown field "zeta"; only "variant" is accepted"#))
    }

    @Test func unknownFieldIsReportedBeforeAWronglyTypedVariant() {
        #expect(outcome(#"{"variant":5,"extra":1}"#) == .refused(400, #"unknown field "extra"; only "variant" is accepted"#))
    }

    @Test func fieldNamesAreCaseSensitive() {
        #expect(outcome(#"{"Variant":"alpine"}"#) == .refused(400, #"unknown field "Variant"; only "variant" is accepted"#))
    }

    @Test(arguments: [
        #"{"variant": "#, #"{"variant":"a",}"#, #"{"variant":"a"} {}"#, #"{'variant':'a'}"#, #"{variant:"a"}"#,
        #"{"variant":"a"} // why"#, #"{"variant":01}"#, #"{"variant":NaN}"#, #"{"variant":"\ud800"}"#,
        #"{"variant":"\x61"}"#, "{\"variant\":\"a\tb\"}", "{\"variant\":\"a\"}\u{0}", "{\u{0B}}",
    ])
    func malformedJSONIsRefused(body: String) {
        #expect(outcome(body) == Self.notJSON)
    }

    @Test func malformedBytesAreRefusedAsInvalidJSON() {
        let invalidUTF8 = Array(#"{"variant":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(outcome(invalidUTF8) == Self.notJSON)
        #expect(outcome([0xEF, 0xBB, 0xBF] + Array(#"{"variant":"a"}"#.utf8)) == Self.notJSON)
        let utf16: [UInt8] = Array(#"{"variant":"a"}"#.utf8).flatMap { byte -> [UInt8] in [byte, 0] }
        #expect(outcome([0xFF, 0xFE] + utf16) == Self.notJSON)
    }

    @Test func variantNestedTooDeepIsRefusedAsInvalidJSON() {
        let depth = JSONReader.defaultMaximumDepth
        #expect(outcome(#"{"variant":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}") == Self.notJSON)
    }

    @Test(arguments: [
        (#"{"variant":"a","variant":"b"}"#, "variant"),
        (#"{"variant":null,"variant":"alpine"}"#, "variant"),
        (#"{"variant":"alpine","v\u0061riant":"naive"}"#, "variant"),
        (#"{"x":1,"x":2}"#, "x"),
    ])
    func duplicateFieldIsRefusedByName(body: String, name: String) {
        #expect(outcome(body) == .refused(400, "duplicate field \"\(name)\""))
    }

    @Test(arguments: [#"{"variant":"UPPER"}"#, #"{"variant":""}"#, #"{"variant":"<script>"}"#, #"{"variant":"a\u0000"}"#])
    func variantOutsideTheNameRulesIsRefused(body: String) {
        #expect(outcome(body) == .refused(400, "\"variant\" must be 1-32 characters of a-z, 0-9, '.', '_' or '-'"))
    }

    @Test func bodyOverOneKibibyteIsTooLarge() {
        let body = #"{"variant":""# + String(repeating: "a", count: VisitRequest.maxBodySize) + #""}"#
        #expect(outcome(body) == .refused(413, "body larger than 1024 bytes"))
    }

    @Test func bodyOfExactlyOneKibibyteIsRead() {
        let padding = String(repeating: " ", count: VisitRequest.maxBodySize - #"{"variant":"alpine"}"#.utf8.count)
        #expect(outcome(#"{"variant":"alpine"}"# + padding) == .variant("alpine"))
    }

    @Test(arguments: ["text/plain", "application/x-www-form-urlencoded", "application/jsonx", "application/problem+json"])
    func bodyOfAnotherMediaTypeIsUnsupported(contentType: String) {
        #expect(outcome(#"{"variant":"a"}"#, contentType: contentType) == .refused(415, "Content-Type must be application/json"))
    }

    @Test func bodyWithoutAContentTypeIsUnsupported() {
        #expect(outcome(#"{"variant":"a"}"#, contentType: nil) == .refused(415, "Content-Type must be application/json"))
    }

    @Test func duplicateVariantThroughTheRouteIsAJSONErrorAndRecordsNothing() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        var headers: HTTPHeaders = [:]
        headers.add("Content-Type", "application/json")
        let response = await fixture.application.response(
            to: HTTPRequest(method: .post, target: "/api/visits", headers: headers, body: Array(#"{"variant":"a","variant":"b"}"#.utf8)))
        #expect(response.status == .badRequest)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.text == #"{"error":"duplicate field \"variant\""}"# + "\n")
        #expect(try await fixture.store.counts().total == 0)
    }
}
