/// Turns the Markdown the walkthrough uses into HTML: headings (with anchor ids), paragraphs,
/// fenced code, lists, block quotes, tables, rules, and inline code, bold, italics, links and
/// images. Everything else is text, and all text is escaped: raw HTML in the source is shown, not
/// obeyed, and HTML comments (used as markers for the tutorial's test script) are dropped.
///
/// Hand-written because the Markdown packages available pull in full Foundation (tens of
/// megabytes in a static binary) for a page this simple; this costs a few kilobytes.
struct MarkdownRenderer {
    /// Rewrites a relative image source (e.g. `images/sizes.svg`) to a URL the browser can fetch.
    var imageURL: (String) -> String
    /// Rewrites a relative link (e.g. `supply-chain.md#labels`) to a URL the reader can follow, or
    /// returns nil to show the link's text alone. By default every relative link is text alone.
    var linkURL: (String) -> String? = { _ in nil }

    /// The deepest block quote nesting rendered as nested `<blockquote>`s; markers deeper than
    /// this stay as text.
    ///
    /// Each level re-reads what it quotes, so depth multiplies the work, and each level is a
    /// stack frame: a 3,000-deep quote once took quadratic time on an event loop and then
    /// overflowed the stack. No document needs more than a few levels.
    static let maxQuoteDepth = 16

    /// Renders a document.
    /// - Parameter markdown: The source.
    /// - Returns: The HTML body fragment.
    func render(_ markdown: String) -> String {
        render(markdown, quoteDepth: 0)
    }

    /// Renders a document, or the inside of block quotes `quoteDepth` deep.
    private func render(_ markdown: String, quoteDepth: Int) -> String {
        var html = ""
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }[...]
        var paragraph: [String] = []

        func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            html += "<p>\(inline(paragraph.joined(separator: " ")))</p>\n"
            paragraph = []
        }

        while let line = lines.first {
            let trimmed = line.trimmingSpaces()
            if trimmed.hasPrefix("<!--") {
                flushParagraph()
                while let current = lines.first, !current.contains("-->") { lines.removeFirst() }
                lines = lines.dropFirst()
                continue
            }
            if trimmed.hasPrefix("```") {
                flushParagraph()
                let language = trimmed.dropFirst(3).split(separator: " ").first.map(String.init) ?? ""
                lines.removeFirst()
                var code: [String] = []
                while let current = lines.first, !current.trimmingSpaces().hasPrefix("```") {
                    code.append(current)
                    lines.removeFirst()
                }
                lines = lines.dropFirst()
                let languageClass = language.isEmpty ? "" : " class=\"language-\(language.htmlEscaped)\""
                html += "<pre><code\(languageClass)>\(code.joined(separator: "\n").htmlEscaped)</code></pre>\n"
                continue
            }
            if trimmed.isEmpty {
                flushParagraph()
                lines.removeFirst()
                continue
            }
            if let level = Self.headingLevel(trimmed) {
                flushParagraph()
                let text = String(trimmed.dropFirst(level + 1)).trimmingSpaces()
                html += "<h\(level) id=\"\(Self.slug(text))\">\(inline(text))</h\(level)>\n"
                lines.removeFirst()
                continue
            }
            if trimmed == "---" || trimmed == "***" || trimmed == "___" {
                flushParagraph()
                html += "<hr>\n"
                lines.removeFirst()
                continue
            }
            if trimmed.hasPrefix(">"), quoteDepth < Self.maxQuoteDepth {
                flushParagraph()
                var quoted: [String] = []
                while let current = lines.first, current.trimmingSpaces().hasPrefix(">") {
                    quoted.append(String(current.trimmingSpaces().dropFirst()).trimmingSpaces())
                    lines.removeFirst()
                }
                html += "<blockquote>\n\(render(quoted.joined(separator: "\n"), quoteDepth: quoteDepth + 1))</blockquote>\n"
                continue
            }
            if trimmed.hasPrefix("|"), lines.count > 1, Self.isTableSeparator(lines[lines.startIndex + 1]) {
                flushParagraph()
                html += table(&lines)
                continue
            }
            if Self.listMarker(trimmed) != nil {
                flushParagraph()
                html += list(&lines)
                continue
            }
            paragraph.append(trimmed)
            lines.removeFirst()
        }
        flushParagraph()
        return html
    }

    // MARK: - Blocks

    private func list(_ lines: inout ArraySlice<String>) -> String {
        let ordered = Self.listMarker(lines.first!.trimmingSpaces()) == .ordered
        var items: [String] = []
        while let line = lines.first {
            let trimmed = line.trimmingSpaces()
            // The first line always opens an item, however indented: `render` chose this block
            // because of it, and leaving it unconsumed would hand the same line back for ever.
            if let marker = Self.listMarker(trimmed), items.isEmpty || !line.hasPrefix("  ") {
                items.append(String(trimmed.dropFirst(marker == .ordered ? trimmed.prefix { $0.isNumber }.count + 2 : 2)))
            } else if !trimmed.isEmpty, line.hasPrefix("  "), !items.isEmpty {
                items[items.count - 1] += " " + trimmed  // Continuation line of the item.
            } else {
                break
            }
            lines.removeFirst()
        }
        let tag = ordered ? "ol" : "ul"
        return "<\(tag)>\n" + items.map { "<li>\(inline($0))</li>\n" }.joined() + "</\(tag)>\n"
    }

    private func table(_ lines: inout ArraySlice<String>) -> String {
        func cells(_ line: String) -> [String] {
            var text = line.trimmingSpaces()
            if text.hasPrefix("|") { text.removeFirst() }
            if text.hasSuffix("|") { text.removeLast() }
            // A backslash-escaped pipe belongs to the cell (GitHub's tables); inline() then shows it as `|`.
            var cells: [String] = []
            var cellStart = text.startIndex
            for index in text.indices where text[index] == "|" && !Self.isEscaped(index, in: text[...]) {
                cells.append(String(text[cellStart..<index]).trimmingSpaces())
                cellStart = text.index(after: index)
            }
            cells.append(String(text[cellStart...]).trimmingSpaces())
            return cells
        }
        let header = cells(lines.removeFirst())
        lines.removeFirst()  // The separator row.
        var html = "<div class=\"table\"><table>\n<thead><tr>"
        html += header.map { "<th>\(inline($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        while let line = lines.first, line.trimmingSpaces().hasPrefix("|") {
            html += "<tr>" + cells(line).map { "<td>\(inline($0))</td>" }.joined() + "</tr>\n"
            lines.removeFirst()
        }
        return html + "</tbody>\n</table></div>\n"
    }

    // MARK: - Inline

    /// Inline spans. Code spans are literal; the rest is escaped first, then marked up. A
    /// backslash-escaped backtick opens no code span.
    func inline(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let tick = rest.indices.first(where: { rest[$0] == "`" && !Self.isEscaped($0, in: rest) }) {
            output += spans(String(rest[..<tick]))
            let afterTick = rest.index(after: tick)
            guard let close = rest[afterTick...].firstIndex(of: "`") else {
                output += spans(String(rest[tick...]))
                return output
            }
            output += "<code>\(String(rest[afterTick..<close]).htmlEscaped)</code>"
            rest = rest[rest.index(after: close)...]
        }
        return output + spans(String(rest))
    }

    private func spans(_ text: String) -> String {
        var output = ""
        // Escaped punctuation is held as placeholders that no rule below matches (see
        // MarkdownRenderer+BackslashEscapes.swift), and restored at the end.
        var rest = Substring(Self.protectingEscapes(text))
        while !rest.isEmpty {
            if rest.hasPrefix("!["), let (alt, rawTarget, after) = Self.linkParts(rest.dropFirst()) {
                let target = Self.restoringEscapes(rawTarget, escaped: false)
                let source = target.hasPrefix("https://") || target.hasPrefix("/") ? target : imageURL(target)
                output += "<img src=\"\(source.htmlEscaped)\" alt=\"\(alt.htmlEscaped)\">"
                rest = after
            } else if rest.hasPrefix("["), let (label, rawTarget, after) = Self.linkParts(rest) {
                let target = Self.restoringEscapes(rawTarget, escaped: false)
                if target.hasPrefix("https://") || target.hasPrefix("http://") || target.hasPrefix("#") || target.hasPrefix("/") {
                    output += "<a href=\"\(target.htmlEscaped)\">\(emphasis(label.htmlEscaped))</a>"
                } else if let url = linkURL(target) {
                    // A relative link points into the repository, which the container does not
                    // serve: the caller says where it can be read (or nil: text alone).
                    output += "<a href=\"\(url.htmlEscaped)\">\(emphasis(label.htmlEscaped))</a>"
                } else {
                    output += emphasis(label.htmlEscaped)
                }
                rest = after
            } else {
                let next = rest.dropFirst().firstIndex(where: { $0 == "[" || $0 == "!" }) ?? rest.endIndex
                output += emphasis(String(rest[..<next]).htmlEscaped)
                rest = rest[next...]
            }
        }
        return Self.restoringEscapes(output, escaped: true)
    }

    /// `**bold**` and `*italic*` / `_italic_` on already-escaped text. A pair only wraps text
    /// whose tags (from an earlier pass) are balanced, so `*a **b* c**` cannot interleave
    /// `<em>` and `<strong>`.
    private func emphasis(_ text: String) -> String {
        var result = Self.wrap(text, delimiter: "**", tag: "strong")
        result = Self.wrap(result, delimiter: "*", tag: "em")
        return Self.wrap(result, delimiter: "_", tag: "em", wordBoundaries: true)
    }

    private static func wrap(_ text: String, delimiter: String, tag: String, wordBoundaries: Bool = false) -> String {
        let parts = text.splitting(on: delimiter)
        guard parts.count >= 3 else { return text }
        var result = parts[0]
        var index = 1
        while index < parts.count {
            let canPair = index + 1 < parts.count && !parts[index].isEmpty && !parts[index].hasPrefix(" ")
                && (!wordBoundaries || (result.last.map { !$0.isLetter && !$0.isNumber } ?? true))
                && hasBalancedTags(parts[index])
            if canPair {
                result += "<\(tag)>\(parts[index])</\(tag)>" + parts[index + 1]
                index += 2
            } else {
                result += delimiter + parts[index]
                index += 1
            }
        }
        return result
    }

    /// Whether the tags in already-escaped text (so every `<` starts a tag this renderer wrote)
    /// close in order and never close what was not opened.
    private static func hasBalancedTags(_ text: String) -> Bool {
        guard text.utf8.contains(UInt8(ascii: "<")) else { return true }
        var depth = 0
        var bytes = text.utf8.makeIterator()
        while let byte = bytes.next() {
            guard byte == UInt8(ascii: "<") else { continue }
            if bytes.next() == UInt8(ascii: "/") {
                depth -= 1
                if depth < 0 { return false }
            } else {
                depth += 1
            }
        }
        return depth == 0
    }

    /// `[label](target)` at the start of `text`.
    ///
    /// The label ends at the first `]` and may not hold a `[`, the target ends at the first `)`
    /// and may not hold a bracket: each scan stops where the next candidate link starts, so a
    /// line of `[[[[` or `[a](` repeated costs linear time, not a scan to its end per bracket.
    private static func linkParts(_ text: Substring) -> (String, String, Substring)? {
        guard text.hasPrefix("["),
            let closeLabel = text.dropFirst().firstIndex(where: { $0 == "]" || $0 == "[" }), text[closeLabel] == "]"
        else { return nil }
        let afterLabel = text.index(after: closeLabel)
        guard afterLabel < text.endIndex, text[afterLabel] == "(",
            let closeTarget = text[afterLabel...].firstIndex(where: { $0 == ")" || $0 == "[" || $0 == "]" }),
            text[closeTarget] == ")"
        else {
            return nil
        }
        let label = String(text[text.index(after: text.startIndex)..<closeLabel])
        let target = String(text[text.index(after: afterLabel)..<closeTarget])
        return (label, target, text[text.index(after: closeTarget)...])
    }

    // MARK: - Line classes

    private enum ListKind { case ordered, unordered }

    private static func listMarker(_ line: String) -> ListKind? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") { return .unordered }
        let digits = line.prefix { $0.isNumber }
        if !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(". ") { return .ordered }
        return nil
    }

    private static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).hasPrefix(" ") else { return nil }
        return hashes
    }

    private static func isTableSeparator(_ line: String) -> Bool {
        let trimmed = line.trimmingSpaces()
        return trimmed.hasPrefix("|") && trimmed.contains("-") && trimmed.allSatisfy { "|-: ".contains($0) }
    }

    /// GitHub-style anchor: lowercase, letters, digits and hyphens.
    static func slug(_ text: String) -> String {
        var slug = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber { slug.append(character) }
            else if character == " " || character == "-" { slug.append("-") }
        }
        return slug.htmlEscaped
    }
}

extension String {
    /// Splits on a separator string, keeping empty parts.
    func splitting(on separator: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}
