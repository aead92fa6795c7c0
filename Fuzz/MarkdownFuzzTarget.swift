// libFuzzer target for `MarkdownRenderer`, the walkthrough's Markdown-to-HTML renderer.
//
// Not part of the SwiftPM package: `scripts/fuzz.sh markdown` compiles this file with
// `Sources/DemoApp/Pages/MarkdownRenderer.swift`, the string helpers it uses and the tests'
// `HTMLFragmentChecker` (the well-formedness rules, shared with MarkdownRendererTests) into one module:
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
        // As /tutorial renders it: images under /tutorial/, relative links to the repository.
        let renderer = MarkdownRenderer(imageURL: { "/tutorial/" + $0 }, linkURL: RepositoryLinks.walkthrough.url(for:))
        let html = renderer.render(markdown)
        if let problem = HTMLFragmentChecker.problem(in: html, maxQuoteDepth: MarkdownRenderer.maxQuoteDepth) { fail("malformed HTML: \(problem)", markdown, html) }
        // Each input byte becomes at most an entity (6 bytes) plus its share of tags; a document
        // of short lines is the worst case (a paragraph or list item per line).
        guard html.utf8.count <= 40 * markdown.utf8.count + 64 else {
            fail("output of \(html.utf8.count) bytes for \(markdown.utf8.count) bytes of input", markdown)
        }
    }

    static func fail(_ message: String, _ markdown: String, _ html: String = "") -> Never {
        fatalError("Markdown fuzz invariant broken: \(message); input: \(String(markdown.prefix(300)).debugDescription); output: \(String(html.prefix(300)).debugDescription)")
    }
}
