// libFuzzer target for `MarkdownRenderer`, the walkthrough's Markdown-to-HTML renderer.
//
// Not part of the SwiftPM package: `scripts/fuzz.sh markdown` compiles this file with
// `Sources/DemoApp/Pages/MarkdownRenderer.swift` and the string helpers it uses into one module:
//
//     swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name MarkdownFuzz \
//         Fuzz/MarkdownFuzzTarget.swift Sources/DemoApp/Pages/MarkdownRenderer.swift ... \
//         -o .build/fuzz/markdown-fuzzer
//
// Invariants (a broken one is a fatalError, which libFuzzer saves as a reproducer; libFuzzer's
// -timeout and -rss_limit_mb catch work or memory out of proportion):
// - the renderer never traps and always ends (libFuzzer's -timeout);
// - the output is well-formed HTML: every `<` starts a tag the renderer writes, every tag opened
//   is closed in order (void elements apart), attribute values are quoted and hold no `<`, and
//   every `&` starts an entity `htmlEscaped` writes; so no `<` or `&` from the input reaches the
//   output raw;
// - block quotes nest at most `MarkdownRenderer.maxQuoteDepth` deep;
// - the output is at most a fixed multiple of the input (plus a constant): linear in size.

/// libFuzzer's entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func markdownFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    MarkdownFuzzHarness.check(String(decoding: input, as: UTF8.self))
    return 0
}

enum MarkdownFuzzHarness {
    static func check(_ markdown: String) {
        let renderer = MarkdownRenderer(imageURL: { "/tutorial/" + $0 })
        let html = renderer.render(markdown)
        if let problem = problem(in: html) { fail("malformed HTML: \(problem)", markdown, html) }
        // Each input byte becomes at most an entity (6 bytes) plus its share of tags; a document
        // of short lines is the worst case (a paragraph or list item per line).
        guard html.utf8.count <= 40 * markdown.utf8.count + 64 else {
            fail("output of \(html.utf8.count) bytes for \(markdown.utf8.count) bytes of input", markdown)
        }
    }

    static let voidElements: Set<String> = ["hr", "img", "br"]
    static let elements: Set<String> = [
        "h1", "h2", "h3", "h4", "h5", "h6", "p", "pre", "code", "blockquote", "ul", "ol", "li", "hr", "div", "table",
        "thead", "tbody", "tr", "th", "td", "strong", "em", "a", "img",
    ]
    static let entities = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]

    /// The first problem in the fragment, or nil (the rules of `Tests/DemoAppTests/HTMLFragmentChecker.swift`,
    /// plus the quote depth).
    static func problem(in html: String) -> String? {
        let bytes = Array(html.utf8)
        var stack: [String] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "&") {
                guard entities.contains(where: { bytes[index...].starts(with: $0.utf8) }) else { return "bare & at \(index)" }
                index += 1
                continue
            }
            if byte == UInt8(ascii: ">") { return "bare > at \(index)" }
            guard byte == UInt8(ascii: "<") else {
                index += 1
                continue
            }
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
            guard elements.contains(name) else { return "unknown tag <\(inside.prefix(40))> at \(index)" }
            if isClosing {
                guard stack.last == name else { return "</\(name)> closes \(stack.last ?? "nothing") at \(index)" }
                stack.removeLast()
            } else if !voidElements.contains(name) {
                stack.append(name)
                if stack.filter({ $0 == "blockquote" }).count > MarkdownRenderer.maxQuoteDepth {
                    return "block quotes nested deeper than \(MarkdownRenderer.maxQuoteDepth)"
                }
            }
            index = end + 1
        }
        return stack.isEmpty ? nil : "unclosed \(stack)"
    }

    static func fail(_ message: String, _ markdown: String, _ html: String = "") -> Never {
        fatalError("Markdown fuzz invariant broken: \(message); input: \(String(markdown.prefix(300)).debugDescription); output: \(String(html.prefix(300)).debugDescription)")
    }
}
