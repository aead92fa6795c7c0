/// An ordered list of header fields. Names compare case-insensitively (RFC 9110 §5.1);
/// order and duplicates are kept as received.
///
/// The fields are one byte buffer, as they came off the wire: each field line is its name's and
/// its value's lengths followed by their bytes. A request's fields cost one allocation however
/// many there are, lookups compare bytes, and a `String` is made only for a value a caller asks
/// for (or when iterating, off the hot path).
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// One field line.
    public struct Field: Sendable, Equatable {
        /// The field name as received or set.
        public var name: String
        /// The field value with surrounding whitespace removed.
        public var value: String
    }

    /// Field after field: name length and value length (4 bytes each, little-endian), then the
    /// name's bytes and the value's.
    private var storage: [UInt8] = []
    /// Where the first field starts. A parsed request's target comes before it, so that the
    /// target shares this one allocation (`RequestTarget` reads it from `leadingStorage`).
    private var fieldsStart = 0

    fileprivate static let lengthBytes = 8

    /// Creates an empty header list.
    public init() {}

    /// A parsed field line's name and value, in the request head's bytes.
    package typealias FieldBytes = (name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>)

    /// Creates a header list whose buffer starts with `leading` (a request's target), then holds
    /// `fields`. The buffer is allocated once, at its exact size, and written in place (an `Array`
    /// append per name and value cost more than the bytes it copied).
    package init(leading: UnsafeBufferPointer<UInt8>, fields: UnsafeBufferPointer<FieldBytes>) {
        storage = Array(StorageImage(leading: leading, fields: fields))
        fieldsStart = leading.count
    }

    /// The storage of `leading` followed by `fields`, as a collection that writes itself into the
    /// buffer of the array made from it.
    ///
    /// `Array(_:)` of a collection allocates through a path the compiler specializes for `UInt8`;
    /// `Array(unsafeUninitializedCapacity:)` goes through a generic one in the standard library
    /// that looks the buffer's type up at run time, several hundred instructions per request.
    struct StorageImage: RandomAccessCollection {
        let leading: UnsafeBufferPointer<UInt8>
        let fields: UnsafeBufferPointer<FieldBytes>
        let endIndex: Int

        init(leading: UnsafeBufferPointer<UInt8>, fields: UnsafeBufferPointer<FieldBytes>) {
            self.leading = leading
            self.fields = fields
            var count = leading.count
            for field in fields { count += HTTPHeaders.lengthBytes + field.name.count + field.value.count }
            endIndex = count
        }

        var startIndex: Int { 0 }

        /// The byte at `position`, found by walking the fields: only generic algorithms read it
        /// this way; `Array(_:)` writes the whole image at once (`_copyContents`).
        subscript(position: Int) -> UInt8 {
            precondition(position >= 0 && position < endIndex, "index out of range")
            if position < leading.count { return leading[position] }
            var offset = leading.count
            for field in fields {
                let inField = position - offset
                let size = HTTPHeaders.lengthBytes + field.name.count + field.value.count
                if inField < size {
                    // The two lengths, 4 bytes each, little-endian (`FieldWriter.append`).
                    if inField < 4 { return UInt8(truncatingIfNeeded: field.name.count >> (8 * inField)) }
                    if inField < 8 { return UInt8(truncatingIfNeeded: field.value.count >> (8 * (inField - 4))) }
                    let inName = inField - HTTPHeaders.lengthBytes
                    return inName < field.name.count ? field.name[inName] : field.value[inName - field.name.count]
                }
                offset += size
            }
            preconditionFailure("index out of range")
        }

        struct Iterator: IteratorProtocol {
            let image: StorageImage
            var position: Int

            mutating func next() -> UInt8? {
                guard position < image.endIndex else { return nil }
                defer { position += 1 }
                return image[position]
            }
        }

        func makeIterator() -> Iterator { Iterator(image: self, position: 0) }

        func _copyContents(initializing buffer: UnsafeMutableBufferPointer<UInt8>) -> (Iterator, Int) {
            precondition(buffer.count >= endIndex, "buffer smaller than the image")
            var writer = FieldWriter(buffer: buffer)
            writer.write(leading)
            for field in fields { writer.append(name: field.name, value: field.value) }
            return (Iterator(image: self, position: writer.count), writer.count)
        }
    }

    /// Writes field lines into a buffer of known size.
    struct FieldWriter: ~Copyable {
        fileprivate let buffer: UnsafeMutableBufferPointer<UInt8>
        fileprivate var count = 0

        fileprivate init(buffer: UnsafeMutableBufferPointer<UInt8>) {
            self.buffer = buffer
        }

        /// Appends a field line, as `HTTPHeaders.append(name:value:)` does.
        @inline(__always)
        mutating func append(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
            precondition(buffer.count - count >= HTTPHeaders.lengthBytes + name.count + value.count, "field lines past the capacity given")
            // Both lengths in one store, in the little-endian order `length(in:at:)` reads.
            let lengths = UInt64(UInt32(truncatingIfNeeded: name.count)) | UInt64(UInt32(truncatingIfNeeded: value.count)) << 32
            UnsafeMutableRawPointer(buffer.baseAddress! + count).storeBytes(of: lengths.littleEndian, as: UInt64.self)
            count += HTTPHeaders.lengthBytes
            write(name)
            write(value)
        }

        @inline(__always)
        fileprivate mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
            precondition(buffer.count - count >= bytes.count, "bytes past the capacity given")
            (buffer.baseAddress! + count).initialize(from: source, count: bytes.count)
            count += bytes.count
        }
    }

    /// The buffer, whose first `leadingCount` bytes are what `init(leading:fields:)`
    /// put there.
    package var leadingStorage: [UInt8] { storage }
    /// How many bytes come before the fields.
    package var leadingCount: Int { fieldsStart }

    /// Creates a header list from name/value pairs in order.
    /// - Parameter elements: The fields.
    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { add(name, value) }
    }

    /// The number of field lines (counted: only tests and diagnostics ask).
    public var count: Int {
        var count = 0
        forEachField { _, _ in
            count += 1
            return false
        }
        return count
    }

    /// Whether there are no fields.
    public var isEmpty: Bool { storage.count == fieldsStart }

    /// Iterates the fields as strings, in order.
    public struct Iterator: IteratorProtocol {
        fileprivate let storage: [UInt8]
        fileprivate var offset: Int

        public mutating func next() -> Field? {
            guard offset < storage.count else { return nil }
            return storage.withUnsafeBufferPointer { all in
                let (name, value, end) = HTTPHeaders.field(in: all, at: offset)
                offset = end
                return Field(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
            }
        }
    }

    public func makeIterator() -> Iterator { Iterator(storage: storage, offset: fieldsStart) }

    /// Reserves room for `count` typical fields, so adding that many allocates once.
    /// - Parameter count: The number of fields.
    public mutating func reserveCapacity(_ count: Int) {
        storage.reserveCapacity(count * 48)
    }

    /// Appends a field line, keeping any existing field of the same name.
    /// - Parameters:
    ///   - name: The field name.
    ///   - value: The field value.
    public mutating func add(_ name: String, _ value: String) {
        var name = name
        var value = value
        name.withUTF8 { name in value.withUTF8 { value in append(name: name, value: value) } }
    }

    /// Appends a field line from its bytes (the parser's way, with no `String` in between).
    package mutating func append(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        Self.appendLength(name.count, to: &storage)
        Self.appendLength(value.count, to: &storage)
        storage.append(contentsOf: name)
        storage.append(contentsOf: value)
    }

    /// Replaces every field of this name with one field line.
    /// - Parameters:
    ///   - name: The field name.
    ///   - value: The new value.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    /// Removes every field of this name.
    /// - Parameter name: The field name.
    public mutating func remove(_ name: String) {
        guard contains(name) else { return }
        var kept = HTTPHeaders()
        kept.storage.reserveCapacity(storage.count)
        kept.storage.append(contentsOf: storage[..<fieldsStart])
        kept.fieldsStart = fieldsStart
        forEachField(named: nil) { fieldName, value in
            if !Self.equalsIgnoringASCIICase(fieldName, name) { kept.append(name: fieldName, value: value) }
            return false
        }
        self = kept
    }

    /// The first value of the named field, or nil.
    public subscript(_ name: String) -> String? {
        var found: String?
        forEachField(named: name) { _, value in
            found = String(decoding: value, as: UTF8.self)
            return true
        }
        return found
    }

    /// Every value of the named field, in order.
    /// - Parameter name: The field name.
    /// - Returns: The values; empty when the field is absent.
    public func values(_ name: String) -> [String] {
        var values: [String] = []
        forEachField(named: name) { _, value in
            values.append(String(decoding: value, as: UTF8.self))
            return false
        }
        return values
    }

    /// Whether the named field is present.
    /// - Parameter name: The field name.
    public func contains(_ name: String) -> Bool {
        var found = false
        forEachField(named: name) { _, _ in
            found = true
            return true
        }
        return found
    }

    /// Whether any comma-separated element of the named field equals `token`, ignoring case
    /// (for list fields such as `Connection`, RFC 9110 §5.6.1).
    /// - Parameters:
    ///   - token: The token to look for.
    ///   - name: The field name.
    public func containsToken(_ token: String, in name: String) -> Bool {
        var found = false
        var token = token
        token.withUTF8 { token in
            forEachField(named: name) { _, value in
                found = Self.list(value, containsElement: token)
                return found
            }
        }
        return found
    }

    /// Calls `body` with the bytes of each field's name and value, in order, or only of the
    /// fields named `name` (compared ignoring ASCII case), until `body` returns true.
    package func forEachField(
        named name: String? = nil,
        _ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Bool
    ) rethrows {
        guard storage.count > fieldsStart else { return }
        let fieldsStart = self.fieldsStart
        try storage.withUnsafeBufferPointer { all in
            var offset = fieldsStart
            while offset < all.count {
                let (fieldName, value, end) = Self.field(in: all, at: offset)
                offset = end
                if let name, !Self.equalsIgnoringASCIICase(fieldName, name) { continue }
                if try body(fieldName, value) { return }
            }
        }
    }

    /// The name and value of the field stored at `offset`, and where the next one starts.
    @inline(__always)
    fileprivate static func field(
        in all: UnsafeBufferPointer<UInt8>, at offset: Int
    ) -> (name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, end: Int) {
        let nameCount = length(in: all, at: offset)
        let valueCount = length(in: all, at: offset + 4)
        let nameStart = offset + lengthBytes
        let valueStart = nameStart + nameCount
        let end = valueStart + valueCount
        return (UnsafeBufferPointer(rebasing: all[nameStart..<valueStart]), UnsafeBufferPointer(rebasing: all[valueStart..<end]), end)
    }

    @inline(__always)
    private static func length(in all: UnsafeBufferPointer<UInt8>, at offset: Int) -> Int {
        Int(all[offset]) | Int(all[offset + 1]) << 8 | Int(all[offset + 2]) << 16 | Int(all[offset + 3]) << 24
    }

    @inline(__always)
    private static func appendLength(_ length: Int, to storage: inout [UInt8]) {
        let length = UInt32(truncatingIfNeeded: length)
        storage.append(UInt8(truncatingIfNeeded: length))
        storage.append(UInt8(truncatingIfNeeded: length >> 8))
        storage.append(UInt8(truncatingIfNeeded: length >> 16))
        storage.append(UInt8(truncatingIfNeeded: length >> 24))
    }

    /// ASCII case-insensitive comparison of a stored name with a caller's.
    private static func equalsIgnoringASCIICase(_ bytes: UnsafeBufferPointer<UInt8>, _ name: String) -> Bool {
        guard bytes.count == name.utf8.count else { return false }
        var name = name
        return name.withUTF8 { ByteClasses.equalsIgnoringASCIICase(bytes, $0) }
    }

    /// Whether the comma-separated list `value` has an element equal to `token`, ignoring ASCII
    /// case and the optional whitespace around elements.
    package static func list(_ value: UnsafeBufferPointer<UInt8>, containsElement token: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count && value[end] != UInt8(ascii: ",") { end += 1 }
            var first = start
            var last = end
            while first < last && (value[first] == ByteClasses.space || value[first] == ByteClasses.tab) { first += 1 }
            while last > first && (value[last - 1] == ByteClasses.space || value[last - 1] == ByteClasses.tab) { last -= 1 }
            if ByteClasses.equalsIgnoringASCIICase(UnsafeBufferPointer(rebasing: value[first..<last]), token) { return true }
            start = end + 1
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

extension Optional {
    /// Appends to the list, making it on the first element: field values gathered by name while
    /// a head is read stay nil, and cost nothing to release, in the many requests without them.
    package mutating func appendMakingList<Element>(_ element: Element) where Wrapped == [Element] {
        if self == nil { self = [element] } else { self!.append(element) }
    }
}
