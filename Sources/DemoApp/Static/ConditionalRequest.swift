import HTTPServer

/// The preconditions of a GET or HEAD on a file with a strong `ETag` and a `Last-Modified`
/// (RFC 9110 §13.1.1-§13.1.4), evaluated in the order of §13.2.2.
///
/// Every field line counts: a list split over two lines (`If-None-Match: "a"` then
/// `If-None-Match: "b"`) is one list (RFC 9110 §5.3), so all lines are read, not the first. The
/// date conditions take exactly one valid HTTP-date: a repeated field or a list of dates is
/// ignored, as §13.1.3 and §13.1.4 require, rather than read from its first line.
enum ConditionalRequest {
    /// What the preconditions decided.
    enum Outcome: Equatable {
        /// Send the file (200).
        case proceed
        /// The client's copy is current (304, GET and HEAD only).
        case notModified
        /// A precondition the client set does not hold (412).
        case preconditionFailed
    }

    /// Evaluates the request's preconditions against the file's validators.
    /// - Parameters:
    ///   - request: The request.
    ///   - etag: The file's strong entity tag, quotes included.
    ///   - modifiedSeconds: The file's modification time, in seconds since the epoch.
    /// - Returns: Whether to send the file, 304 or 412.
    static func evaluate(_ request: HTTPRequest, etag: String, modifiedSeconds: Int) -> Outcome {
        let headers = request.headers
        // Most requests carry no precondition: one pass over the names instead of one per field.
        guard hasPrecondition(headers) else { return .proceed }
        // Step 1: If-Match, strong comparison (§13.1.1); `*` holds, since the file exists.
        if headers.contains("If-Match") {
            guard let tags = EntityTagList(headers.values("If-Match")), tags.matches(etag, weakly: false) else {
                return .preconditionFailed
            }
        } else if let since = singleDate(headers.values("If-Unmodified-Since")), modifiedSeconds > since {
            // Step 2: If-Unmodified-Since only without If-Match (§13.1.4).
            return .preconditionFailed
        }
        let isRead = request.method == .get || request.method == .head
        // Step 3: If-None-Match, weak comparison (§13.1.2).
        if headers.contains("If-None-Match") {
            // A list that cannot be parsed matches nothing: the condition holds and the file is sent.
            guard let tags = EntityTagList(headers.values("If-None-Match")), tags.matches(etag, weakly: true) else {
                return .proceed
            }
            return isRead ? .notModified : .preconditionFailed
        }
        // Step 4: If-Modified-Since only without If-None-Match, and only for GET and HEAD (§13.1.3).
        if isRead, let since = singleDate(headers.values("If-Modified-Since")), modifiedSeconds <= since {
            return .notModified
        }
        return .proceed
    }

    /// Whether any field's name starts with `If-` (ignoring case): all four preconditions do.
    private static func hasPrecondition(_ headers: HTTPHeaders) -> Bool {
        var found = false
        headers.forEachField { name, _ in
            found = name.count > 3 && name[0] | 0x20 == UInt8(ascii: "i") && name[1] | 0x20 == UInt8(ascii: "f")
                && name[2] == UInt8(ascii: "-")
            return found
        }
        return found
    }

    /// The date of a field that must hold exactly one HTTP-date, or nil to ignore the field: absent,
    /// repeated, a list, or not a date (§13.1.3, §13.1.4).
    private static func singleDate(_ lines: [String]) -> Int? {
        guard lines.count == 1 else { return nil }
        return HTTPDate.parse(lines[0])
    }
}

/// An `If-Match` or `If-None-Match` value: `*`, or a list of entity tags (RFC 9110 §8.8.3,
/// §13.1.1), from all of its field lines.
///
/// Parsed by the grammar rather than split on commas: an entity tag's opaque part may itself hold
/// a comma (`etagc` includes %x2C).
struct EntityTagList {
    /// `*`: any current representation.
    var isAny = false
    /// The tags, quotes included, each with whether it was weak (`W/`).
    var tags: [(opaque: Substring, isWeak: Bool)] = []

    /// Parses the field lines; nil when one is not `*` or a list of entity tags.
    /// - Parameter lines: The field's values, one per field line.
    init?(_ lines: [String]) {
        for line in lines {
            let text = line.trimmingSpaces()
            if text == "*" {
                isAny = true
                continue
            }
            guard parseList(Substring(text)) else { return nil }
        }
        // `*` with tags beside it is not the grammar's `"*" / #entity-tag`.
        guard !(isAny && !tags.isEmpty) else { return nil }
    }

    private mutating func parseList(_ text: Substring) -> Bool {
        var rest = text
        func skipSeparators() {
            while let first = rest.first, first == " " || first == "\t" || first == "," { rest.removeFirst() }
        }
        skipSeparators()
        while !rest.isEmpty {
            var isWeak = false
            if rest.hasPrefix("W/") {
                isWeak = true
                rest.removeFirst(2)
            }
            guard rest.first == "\"" else { return false }
            let afterQuote = rest.index(after: rest.startIndex)
            guard let closing = rest[afterQuote...].firstIndex(of: "\"") else { return false }
            let opaque = rest[..<rest.index(after: closing)]
            // etagc: %x21 / %x23-7E / obs-text; no controls or spaces inside the quotes.
            guard opaque.dropFirst().dropLast().unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value != 0x7F }) else {
                return false
            }
            tags.append((opaque, isWeak))
            rest = rest[rest.index(after: closing)...]
            // Between members only OWS and a comma.
            let before = rest.count
            skipSeparators()
            guard rest.isEmpty || rest.count < before else { return false }
        }
        return true
    }

    /// Whether the list matches `etag` (a strong tag of ours).
    /// - Parameters:
    ///   - etag: The current representation's strong entity tag, quotes included.
    ///   - weakly: Weak comparison (§8.8.3.2): `W/` ignored; strong: both must be strong.
    func matches(_ etag: String, weakly: Bool) -> Bool {
        if isAny { return true }
        return tags.contains { tag in (weakly || !tag.isWeak) && tag.opaque == etag }
    }
}
