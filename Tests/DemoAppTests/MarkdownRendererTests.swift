import Foundation
import Testing

@testable import DemoApp

@Suite struct MarkdownRendererTests {
    private let renderer = MarkdownRenderer(imageURL: { "/tutorial/" + $0 })

    @Test func headingsGetAnchors() {
        #expect(renderer.render("# Getting ready\n## Multi-stage: copy only what runs") ==
            "<h1 id=\"getting-ready\">Getting ready</h1>\n<h2 id=\"multi-stage-copy-only-what-runs\">Multi-stage: copy only what runs</h2>\n")
    }

    @Test func paragraphsJoinLinesAndBreakOnBlankLines() {
        #expect(renderer.render("one\ntwo\n\nthree") == "<p>one two</p>\n<p>three</p>\n")
    }

    @Test func fencedCodeIsLiteralAndEscaped() {
        let html = renderer.render("```sh\necho '<b>' && ls **/*\n```\nafter")
        #expect(html == "<pre><code class=\"language-sh\">echo &#39;&lt;b&gt;&#39; &amp;&amp; ls **/*</code></pre>\n<p>after</p>\n")
    }

    @Test func inlineMarkup() {
        #expect(renderer.inline("a `x < y` and **bold** and *em* and _em_") ==
            "a <code>x &lt; y</code> and <strong>bold</strong> and <em>em</em> and <em>em</em>")
        #expect(renderer.inline("snake_case_name stays") == "snake_case_name stays")
        #expect(renderer.inline("a * b * c") == "a * b * c")
    }

    @Test func linksAndImages() {
        #expect(renderer.inline("[docs](https://example.org/a?b=1&c=2)") == "<a href=\"https://example.org/a?b=1&amp;c=2\">docs</a>")
        #expect(renderer.inline("[section](#multi-stage)") == "<a href=\"#multi-stage\">section</a>")
        // Relative links lead into the repository, which a container does not serve: text only.
        #expect(renderer.inline("see [the README](../README.md)") == "see the README")
        #expect(renderer.inline("![Sizes](images/sizes.svg)") == "<img src=\"/tutorial/images/sizes.svg\" alt=\"Sizes\">")
        #expect(renderer.inline("[x](javascript:alert(1))") == "x)")
    }

    @Test func relativeLinksGoWhereTheCallerSaysOrStayText() {
        let linking = MarkdownRenderer(imageURL: { "/tutorial/" + $0 }, linkURL: { "https://repo.example/docs/" + $0 })
        #expect(linking.inline("see [the notes](supply-chain.md#labels)") ==
            "see <a href=\"https://repo.example/docs/supply-chain.md#labels\">the notes</a>")
        // Images keep their own rule: the container serves them.
        #expect(linking.inline("![Sizes](images/sizes.svg)") == "<img src=\"/tutorial/images/sizes.svg\" alt=\"Sizes\">")
        let refusing = MarkdownRenderer(imageURL: { $0 }, linkURL: { _ in nil })
        #expect(refusing.inline("[text](elsewhere.md)") == "text")
    }

    @Test func backslashEscapedPunctuationIsShownWithoutTheBackslash() {
        #expect(renderer.inline(#"\*not emphasis\* and 2 \* 3"#) == "*not emphasis* and 2 * 3")
        #expect(renderer.inline(##"\_a\_ \# \[x\](y) \\ \<b\>"##) == "_a_ # [x](y) \\ &lt;b&gt;")
        #expect(renderer.inline(#"\`not code\` but `co\de`"#) == "`not code` but <code>co\\de</code>")
        // Before a letter, a digit or a space a backslash is itself.
        #expect(renderer.inline(#"C:\path \n \1"#) == #"C:\path \n \1"#)
        #expect(renderer.inline(#"[a \] b](https://example.org/a\)b)"#) == "<a href=\"https://example.org/a)b\">a ] b</a>")
        #expect(renderer.inline("ends with \\") == "ends with \\")
        // In a table an escaped pipe is part of the cell (GitHub's tables), not a cell boundary.
        let table = renderer.render("| a \\| b | c |\n|---|---|\n| \\* | x |")
        #expect(table.contains("<th>a | b</th><th>c</th>"))
        #expect(table.contains("<td>*</td><td>x</td>"))
    }

    @Test func rawHTMLIsShownNotObeyed() {
        #expect(renderer.render("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n")
    }

    @Test func commentsAreDropped() {
        #expect(renderer.render("<!-- runnable -->\ntext\n<!--\nmulti\nline -->\nmore") == "<p>text</p>\n<p>more</p>\n")
    }

    @Test func listsQuotesRulesAndTables() {
        #expect(renderer.render("- a\n- b `c`\n  continued") == "<ul>\n<li>a</li>\n<li>b <code>c</code> continued</li>\n</ul>\n")
        #expect(renderer.render("1. one\n2. two") == "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n")
        #expect(renderer.render("> quoted\n> more") == "<blockquote>\n<p>quoted more</p>\n</blockquote>\n")
        #expect(renderer.render("---") == "<hr>\n")
        let table = renderer.render("| Image | Size |\n|---|--:|\n| naive | 4.3 GB |\n| `multistage` | 16 MB |")
        #expect(table.contains("<thead><tr><th>Image</th><th>Size</th></tr></thead>"))
        #expect(table.contains("<tr><td><code>multistage</code></td><td>16 MB</td></tr>"))
    }

    /// 3,000-deep block quotes: on one line, spaced, and a staircase of 600 lines each one deeper.
    static let deepQuotes: [String: String] = [
        "one line": String(repeating: ">", count: 3000) + " deep",
        "spaced": String(repeating: "> ", count: 3000) + "deep",
        "staircase": (1...600).map { String(repeating: ">", count: $0) + " line \($0)" }.joined(separator: "\n"),
    ]

    @Test(arguments: ["one line", "spaced", "staircase"])
    func deeplyNestedBlockQuotesRenderBoundedWithoutRecursingWithoutEnd(shape: String) throws {
        let markdown = try #require(Self.deepQuotes[shape])
        let html = renderer.render(markdown)
        #expect(html.components(separatedBy: "<blockquote>\n<blockquote>").count - 1 < MarkdownRenderer.maxQuoteDepth)
        #expect(html.utf8.count < 8 * markdown.utf8.count + 1000)
        #expect(HTMLFragmentChecker.problem(in: html) == nil)
    }

    @Test func blockQuotesNestUpToTheDepthLimit() {
        let depth = MarkdownRenderer.maxQuoteDepth
        let html = renderer.render(String(repeating: ">", count: depth + 2) + " text")
        #expect(html.components(separatedBy: "<blockquote>").count - 1 == depth)
        #expect(html.contains("<p>&gt;&gt; text</p>"))
    }

    @Test(arguments: ["*a **b* c**", "**a *b** c*", "_a **b_ c**", "*[x*](/y)*", "**a** *b **c* d**"])
    func emphasisNeverInterleavesTags(markdown: String) {
        let html = renderer.render(markdown)
        #expect(HTMLFragmentChecker.problem(in: html) == nil, "\(html)")
    }

    @Test func runsOfBracketsRenderAsText() {
        let brackets = String(repeating: "[", count: 20_000)
        #expect(renderer.render(brackets) == "<p>\(brackets)</p>\n")
        let openLinks = String(repeating: "[a](", count: 5_000)
        #expect(renderer.render(openLinks) == "<p>\(openLinks)</p>\n")
        #expect(renderer.render("[a [b](/c)") == "<p>[a <a href=\"/c\">b</a></p>\n")
    }

    @Test func theWalkthroughRendersWellFormed() throws {
        let path = #filePath.replacingOccurrences(of: "Tests/DemoAppTests/MarkdownRendererTests.swift", with: "docs/TUTORIAL.md")
        let markdown = try String(contentsOfFile: path, encoding: .utf8)
        #expect(HTMLFragmentChecker.problem(in: renderer.render(markdown)) == nil)
    }

    /// Found by the fuzzer (Fuzz/MarkdownFuzzTarget.swift): an indented list marker after a
    /// paragraph opened a list whose first line was never consumed, and rendering never ended.
    @Test func anIndentedListMarkerStartsAListInsteadOfLoopingForEver() {
        #expect(renderer.render("text\n  10. tenth\n  - dash") == "<p>text</p>\n<ol>\n<li>tenth - dash</li>\n</ol>\n")
        let found = "- ontinUe}\n* three\n\n1/ first. second\n  10. tejth\n"
        #expect(HTMLFragmentChecker.problem(in: renderer.render(found)) == nil)
    }
}
