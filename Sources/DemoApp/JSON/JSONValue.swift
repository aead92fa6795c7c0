/// A JSON value (RFC 8259 §3) as `JSONReader` reads it, with typed access for the app's decoders.
///
/// Objects keep their members in document order (RFC 8259 §4 leaves order to the application;
/// error messages name the first offending member, so the order must be the sender's). Numbers
/// keep their literal text, so an integer is exact whatever its size and nothing is rounded
/// through a `Double` the app never needs.
enum JSONValue: Equatable, Sendable {
    case object([JSONMember])
    case array([JSONValue])
    case string(String)
    case number(JSONNumber)
    case bool(Bool)
    case null

    /// The string, or nil for any other kind of value.
    var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// The number as an `Int` when it is an integer literal in `Int`'s range; nil for fractions,
    /// exponents, out-of-range integers and any other kind of value.
    var integerValue: Int? {
        if case .number(let number) = self { return number.integerValue }
        return nil
    }

    /// The boolean, or nil for any other kind of value.
    var boolValue: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }

    /// The elements, or nil for any other kind of value.
    var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The members in document order, or nil for any other kind of value.
    var objectMembers: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The value of the object member `name`; nil when absent or when this is not an object.
    ///
    /// Names compare by their UTF-8 bytes, as RFC 8259 §8.3 compares strings (Swift's `==` on
    /// `String` would also match canonically equivalent spellings).
    subscript(name: String) -> JSONValue? {
        objectMembers?.first { $0.name.utf8.elementsEqual(name.utf8) }?.value
    }

    /// A member that must be present, not null, and convertible, as `Decodable`'s `decode` reads it.
    /// - Parameters:
    ///   - name: The member name.
    ///   - convert: Turns the value into the wanted type, nil when it is of another kind.
    /// - Throws: `JSONShapeError` when the member is absent, null or of another kind.
    func required<Value>(_ name: String, _ convert: (JSONValue) -> Value?) throws(JSONShapeError) -> Value {
        guard let member = self[name], let value = convert(member) else {
            throw JSONShapeError("\(name.jsonQuoted) is missing or of the wrong type")
        }
        return value
    }

    /// A member that may be absent or null, as `Decodable`'s `decodeIfPresent` reads it: present
    /// with another kind of value is still an error, not silently nil.
    /// - Parameters:
    ///   - name: The member name.
    ///   - convert: Turns the value into the wanted type, nil when it is of another kind.
    /// - Returns: The converted value, or nil when the member is absent or null.
    /// - Throws: `JSONShapeError` when the member holds another kind of value.
    func optional<Value>(_ name: String, _ convert: (JSONValue) -> Value?) throws(JSONShapeError) -> Value? {
        guard let member = self[name], member != .null else { return nil }
        guard let value = convert(member) else {
            throw JSONShapeError("\(name.jsonQuoted) is of the wrong type")
        }
        return value
    }
}

/// One `"name": value` member of a JSON object.
struct JSONMember: Equatable, Sendable {
    var name: String
    var value: JSONValue
}

/// A JSON number as written (RFC 8259 §6), validated by `JSONReader`.
struct JSONNumber: Equatable, Sendable, CustomStringConvertible {
    /// The literal text, e.g. `-12`, `0.5` or `1e3`. Equality compares this text.
    let literal: String

    /// - Parameter literal: Text that matches RFC 8259's `number` rule.
    init(literal: String) {
        self.literal = literal
    }

    /// The exact value when the literal is an integer (no fraction, no exponent) that fits in an
    /// `Int`; nil otherwise, so a size too large for `Int` is refused instead of wrapped or rounded.
    var integerValue: Int? { Int(literal) }

    var description: String { literal }
}

/// A JSON text that is valid but not the shape the app expects (a missing member, a string where
/// a number belongs).
struct JSONShapeError: Error, Equatable, CustomStringConvertible {
    /// What is wrong, safe to show.
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
