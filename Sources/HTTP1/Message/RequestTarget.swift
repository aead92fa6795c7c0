/// A request target as bytes, with where its path and query lie in them (RFC 9112 §3.2).
///
/// The parser's target shares one buffer with the request's fields (the target's bytes come
/// first), so a long target costs no allocation of its own; a `String` is made only when a
/// caller asks for one.
@usableFromInline package struct RequestTarget: Sendable {
    /// A buffer whose first `count` bytes are the target; what follows is not the target's.
    @usableFromInline let storage: [UInt8]
    private let count: Int
    @usableFromInline let pathStart: Int
    @usableFromInline let pathEnd: Int
    /// Where the query starts (after the `?`), or nil when there is none; it runs to `count`.
    private let queryStart: Int?
    /// An absolute-form target without a path (`http://host`, `http://host?q`): its path is `/`.
    @usableFromInline let pathIsImpliedRoot: Bool

    /// Splits the target at the start of `storage`, turning absolute form into a path.
    /// - Parameters:
    ///   - storage: The bytes; the target is the first `count` of them.
    ///   - count: The target's length.
    package init(storage: [UInt8], count: Int) {
        self.storage = storage
        self.count = count
        let bounds = storage.withUnsafeBufferPointer { all in
            Self.split(UnsafeBufferPointer(rebasing: all[..<count]))
        }
        pathStart = bounds.pathStart
        pathEnd = bounds.pathEnd
        queryStart = bounds.queryStart
        pathIsImpliedRoot = bounds.impliedRoot
    }

    /// A target made from a string (requests built by code rather than parsed).
    package init(_ target: String) {
        let bytes = Array(target.utf8)
        self.init(storage: bytes, count: bytes.count)
    }

    /// The target as sent.
    package var string: String { text(0, count) }

    /// The path, still percent-encoded.
    package var path: String { pathIsImpliedRoot ? "/" : text(pathStart, pathEnd) }

    /// The query without its `?`, or nil.
    package var query: String? { queryStart.map { text($0, count) } }

    /// Whether the target is the single byte `*`.
    package var isAsterisk: Bool { count == 1 && storage[0] == UInt8(ascii: "*") }

    /// Calls `body` with the path's bytes (still percent-encoded).
    // Inlinable so that it is specialized where it is called: generic across modules, each call
    // looked up its result type's metadata at run time (hundreds of instructions per request).
    @inlinable
    package func withPathBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        if pathIsImpliedRoot {
            return try withUnsafeBytes(of: UInt8(ascii: "/")) { try body($0.bindMemory(to: UInt8.self)) }
        }
        return try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[pathStart..<pathEnd])) }
    }

    private func text(_ start: Int, _ end: Int) -> String {
        storage.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
    }

    /// Where the path and query of `target` lie.
    private static func split(
        _ target: UnsafeBufferPointer<UInt8>
    ) -> (pathStart: Int, pathEnd: Int, queryStart: Int?, impliedRoot: Bool) {
        let slash = UInt8(ascii: "/")
        let mark = UInt8(ascii: "?")
        var start = 0
        var impliedRoot = false
        if target.first != slash, let colon = target.firstIndex(of: UInt8(ascii: ":")),
            colon + 2 < target.count, target[colon + 1] == slash, target[colon + 2] == slash
        {
            // absolute-form (RFC 9112 §3.2.2): drop scheme and authority.
            let afterAuthority = colon + 3
            start = target[afterAuthority...].firstIndex { $0 == slash || $0 == mark } ?? target.count
            impliedRoot = start == target.count || target[start] != slash
        }
        guard let query = target[start...].firstIndex(of: mark) else {
            return (start, target.count, nil, impliedRoot)
        }
        return (start, query, query + 1, impliedRoot)
    }
}
