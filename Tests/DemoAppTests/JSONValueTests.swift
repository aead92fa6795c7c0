import Testing

@testable import DemoApp

/// Typed access to a read JSON value, with `Decodable`'s rules for required and optional members.
@Suite struct JSONValueTests {
    private let document: JSONValue
    private let scalars: [JSONValue]

    init() throws {
        document = try JSONReader.read(Array(#"{"text": "a", "count": 3, "flag": false, "list": [1], "nothing": null, "huge": 1e400}"#.utf8))
        scalars = try JSONReader.read(Array(#"["a", 3, true, [], {}, null]"#.utf8)).arrayValue ?? []
    }

    @Test func eachAccessorAnswersOnlyForItsKind() {
        #expect(scalars.map(\.stringValue) == ["a", nil, nil, nil, nil, nil])
        #expect(scalars.map(\.integerValue) == [nil, 3, nil, nil, nil, nil])
        #expect(scalars.map(\.boolValue) == [nil, nil, true, nil, nil, nil])
        #expect(scalars.map { $0.arrayValue != nil } == [false, false, false, true, false, false])
        #expect(scalars.map { $0.objectMembers != nil } == [false, false, false, false, true, false])
    }

    @Test func memberLookupOnANonObjectFindsNothing() {
        #expect(scalars.allSatisfy { $0["text"] == nil })
    }

    @Test func requiredMemberReturnsItsValue() throws {
        #expect(try document.required("text", \.stringValue) == "a")
        #expect(try document.required("count", \.integerValue) == 3)
        #expect(try document.required("flag", \.boolValue) == false)
    }

    @Test(arguments: ["absent", "nothing", "text", "huge"])
    func requiredMemberThatIsAbsentNullOrMistypedThrows(name: String) {
        #expect(throws: JSONShapeError("\"\(name)\" is missing or of the wrong type")) {
            try document.required(name, \.integerValue)
        }
    }

    @Test func optionalMemberThatIsAbsentOrNullIsNil() throws {
        #expect(try document.optional("absent", \.integerValue) == nil)
        #expect(try document.optional("nothing", \.integerValue) == nil)
        #expect(try document.optional("list", \.arrayValue)?.count == 1)
    }

    @Test func optionalMemberOfTheWrongKindThrowsRatherThanVanishing() {
        #expect(throws: JSONShapeError("\"text\" is of the wrong type")) { try document.optional("text", \.integerValue) }
        #expect(throws: JSONShapeError("\"huge\" is of the wrong type")) { try document.optional("huge", \.integerValue) }
    }
}
