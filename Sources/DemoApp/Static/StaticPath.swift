/// Turns a request path into a safe path relative to the public directory, or refuses.
///
/// The rules are deliberately narrower than what a file system accepts: one round of
/// percent-decoding, then no `%` left (so a double-encoded `%252e%252e` cannot become `..` later),
/// no `..` or `.` segments, no segment starting with `.` (dotfiles such as `.env`, `.git`), no
/// backslash, no NUL or other control characters, no empty segments, valid UTF-8 only.
/// Symlinks are checked separately, after resolution (`StaticFileServer`).
enum StaticPath {
    /// Why a path was refused; every case is answered 404 so probing learns nothing.
    enum Refusal: Error, Equatable {
        case malformedEncoding
        case forbiddenCharacter
        case forbiddenSegment
    }

    /// The longest request path considered.
    static let maxLength = 1024

    /// Validates and decodes a request path.
    /// - Parameter requestPath: The percent-encoded path, starting with `/`.
    /// - Returns: The decoded relative path, e.g. `css/style.css`.
    /// - Throws: `Refusal` when the path could reach outside, or at something hidden.
    static func relativePath(from requestPath: String) throws -> String {
        var requestPath = requestPath
        return try requestPath.withUTF8(relativePath(fromBytes:))
    }

    /// `relativePath(from:)` on the path's bytes, as the request holds them: the one string made
    /// is the result.
    static func relativePath(fromBytes path: UnsafeBufferPointer<UInt8>) throws -> String {
        if let plain = try plainRelativePath(fromBytes: path) {
            return String(decoding: plain, as: UTF8.self)
        }
        guard let decoded = path.percentDecoded else { throw Refusal.malformedEncoding }
        try checkCharacters(decoded)
        guard let text = String(validating: decoded.dropFirst(), as: UTF8.self) else { throw Refusal.malformedEncoding }
        try checkSegments(decoded)
        return text
    }

    /// The relative path as a view on `path`'s own bytes, when it is plain ASCII with nothing
    /// encoded (most are): checked in place, in one pass, with no UTF-8 validation and no copy.
    /// - Parameter path: The percent-encoded request path, starting with `/`.
    /// - Returns: The bytes after the leading `/`, or nil when the path needs decoding first
    ///   (`relativePath(fromBytes:)` does that).
    /// - Throws: `Refusal` when the path could reach outside, or at something hidden.
    static func plainRelativePath(fromBytes path: UnsafeBufferPointer<UInt8>) throws -> UnsafeBufferPointer<UInt8>? {
        guard path.count <= maxLength, path.first == UInt8(ascii: "/") else { throw Refusal.forbiddenCharacter }
        return try checkUnencoded(path) ? nil : UnsafeBufferPointer(rebasing: path.dropFirst())
    }

    private static func checkUnencoded(_ path: UnsafeBufferPointer<UInt8>) throws -> Bool {
        var atSegmentStart = true
        for byte in path.dropFirst() {
            if byte == UInt8(ascii: "%") || byte >= 0x80 { return true }
            if byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\\") { throw Refusal.forbiddenCharacter }
            if atSegmentStart {
                guard byte != UInt8(ascii: "/"), byte != UInt8(ascii: ".") else { throw Refusal.forbiddenSegment }
                atSegmentStart = false
            } else if byte == UInt8(ascii: "/") {
                atSegmentStart = true
            }
        }
        if atSegmentStart { throw Refusal.forbiddenSegment }
        return false
    }

    /// No control characters, backslash, or `%` left after decoding.
    private static func checkCharacters(_ bytes: some Collection<UInt8>) throws {
        for byte in bytes where byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "%") {
            throw Refusal.forbiddenCharacter
        }
    }

    /// After the leading `/`: no empty segment, and none starting with `.` (which covers `.`,
    /// `..` and dotfiles).
    private static func checkSegments(_ bytes: some Collection<UInt8>) throws {
        var atSegmentStart = true
        for byte in bytes.dropFirst() {
            if atSegmentStart {
                guard byte != UInt8(ascii: "/"), byte != UInt8(ascii: ".") else { throw Refusal.forbiddenSegment }
                atSegmentStart = false
            } else if byte == UInt8(ascii: "/") {
                atSegmentStart = true
            }
        }
        if atSegmentStart { throw Refusal.forbiddenSegment }
    }
}
