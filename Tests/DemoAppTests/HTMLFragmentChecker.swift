/// Checks that an HTML fragment the Markdown renderer wrote is well-formed: every `<` starts a
/// tag the renderer writes, every tag opened is closed in order (void elements apart), attribute
/// values are quoted, and every `&` starts one of the entities `htmlEscaped` writes. Input text
/// therefore never reaches the output as markup.
///
/// `scripts/fuzz.sh markdown` compiles this file into the Markdown fuzzer too (it imports nothing).
enum HTMLFragmentChecker {
    static let voidElements: Set<String> = ["hr", "img", "br"]
    static let elements: Set<String> = [
        "h1", "h2", "h3", "h4", "h5", "h6", "p", "pre", "code", "blockquote", "ul", "ol", "li", "hr", "div", "table",
        "thead", "tbody", "tr", "th", "td", "strong", "em", "a", "img",
    ]
    static let entities = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]

    /// The first problem found, or nil when the fragment is well-formed.
    /// - Parameters:
    ///   - html: The fragment.
    ///   - maxQuoteDepth: When given, block quotes nested deeper than this are a problem too.
    static func problem(in html: String, maxQuoteDepth: Int? = nil) -> String? {
        let bytes = Array(html.utf8)
        var stack: [String] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "&") {
                guard entities.contains(where: { bytes[index...].starts(with: $0.utf8) }) else {
                    return "bare & at \(index)"
                }
                index += 1
                continue
            }
            if byte == UInt8(ascii: ">") { return "bare > at \(index)" }
            guard byte == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            // A tag: name, then attributes with double-quoted values, up to `>`.
            var end = index + 1
            var inQuotes = false
            while end < bytes.count, inQuotes || bytes[end] != UInt8(ascii: ">") {
                if bytes[end] == UInt8(ascii: "\"") { inQuotes.toggle() }
                if bytes[end] == UInt8(ascii: "<") { return "< inside a tag at \(end)" }
                end += 1
            }
            guard end < bytes.count else { return "unterminated tag at \(index)" }
            let inside = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
            let isClosing = inside.hasPrefix("/")
            let name = String((isClosing ? inside.dropFirst() : Substring(inside)).prefix { $0.isLetter || $0.isNumber })
            guard elements.contains(name) else { return "unknown tag <\(inside)> at \(index)" }
            if isClosing {
                guard stack.last == name else { return "</\(name)> closes \(stack.last ?? "nothing") at \(index)" }
                stack.removeLast()
            } else if !voidElements.contains(name) {
                stack.append(name)
                if let maxQuoteDepth, stack.filter({ $0 == "blockquote" }).count > maxQuoteDepth {
                    return "block quotes nested deeper than \(maxQuoteDepth)"
                }
            }
            index = end + 1
        }
        return stack.isEmpty ? nil : "unclosed \(stack)"
    }
}
