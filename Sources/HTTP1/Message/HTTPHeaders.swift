/// An ordered list of header fields. Names compare case-insensitively (RFC 9110 §5.1);
/// order and duplicates are kept as received.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// One field line.
    public struct Field: Sendable, Equatable {
        /// The field name as received or set.
        public var name: String
        /// The field value with surrounding whitespace removed.
        public var value: String
    }

    private var fields: [Field] = []

    /// Creates an empty header list.
    public init() {}

    /// Creates a header list from name/value pairs in order.
    /// - Parameter elements: The fields.
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { Field(name: $0.0, value: $0.1) }
    }

    /// The number of field lines.
    public var count: Int { fields.count }

    /// Whether there are no fields.
    public var isEmpty: Bool { fields.isEmpty }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// Reserves room for `count` fields, so adding that many allocates once.
    /// - Parameter count: The number of fields.
    public mutating func reserveCapacity(_ count: Int) {
        fields.reserveCapacity(count)
    }

    /// Appends a field line, keeping any existing field of the same name.
    /// - Parameters:
    ///   - name: The field name.
    ///   - value: The field value.
    public mutating func add(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every field of this name with one field line.
    /// - Parameters:
    ///   - name: The field name.
    ///   - value: The new value.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append(Field(name: name, value: value))
    }

    /// Removes every field of this name.
    /// - Parameter name: The field name.
    public mutating func remove(_ name: String) {
        fields.removeAll { $0.name.equalsIgnoringASCIICase(name) }
    }

    /// The first value of the named field, or nil.
    public subscript(_ name: String) -> String? {
        fields.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    /// Every value of the named field, in order.
    /// - Parameter name: The field name.
    /// - Returns: The values; empty when the field is absent.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name.equalsIgnoringASCIICase(name) }.map(\.value)
    }

    /// Whether the named field is present.
    /// - Parameter name: The field name.
    public func contains(_ name: String) -> Bool {
        fields.contains { $0.name.equalsIgnoringASCIICase(name) }
    }

    /// Whether any comma-separated element of the named field equals `token`, ignoring case
    /// (for list fields such as `Connection`, RFC 9110 §5.6.1).
    /// - Parameters:
    ///   - name: The field name.
    ///   - token: The token to look for.
    public func containsToken(_ token: String, in name: String) -> Bool {
        for field in fields where field.name.equalsIgnoringASCIICase(name) {
            for element in field.value.split(separator: ",") {
                if element.trimmingOptionalWhitespace().equalsIgnoringASCIICase(token) { return true }
            }
        }
        return false
    }
}

extension StringProtocol {
    /// ASCII case-insensitive comparison, as header names and tokens need; no Unicode folding.
    package func equalsIgnoringASCIICase(_ other: some StringProtocol) -> Bool {
        let lhs = self.utf8
        let rhs = other.utf8
        guard lhs.count == rhs.count else { return false }
        // Header names are compared several times per request: walk contiguous bytes when the
        // strings have them (native strings do) instead of zipping two UTF-8 views.
        let contiguous = lhs.withContiguousStorageIfAvailable { lhsBytes in
            rhs.withContiguousStorageIfAvailable { rhsBytes in
                for index in 0..<lhsBytes.count where lhsBytes[index] != rhsBytes[index] {
                    guard lhsBytes[index].asciiLowercased == rhsBytes[index].asciiLowercased else { return false }
                }
                return true
            }
        }
        if let contiguous, let result = contiguous { return result }
        for (a, b) in zip(lhs, rhs) where a != b {
            guard a.asciiLowercased == b.asciiLowercased else { return false }
        }
        return true
    }

    /// The string without leading and trailing spaces and tabs (OWS, RFC 9110 §5.6.3).
    package func trimmingOptionalWhitespace() -> Substring {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}

extension UInt8 {
    package var asciiLowercased: UInt8 { (0x41...0x5A).contains(self) ? self | 0x20 : self }
}
