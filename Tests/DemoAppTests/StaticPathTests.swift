import Testing

@testable import DemoApp

@Suite struct StaticPathTests {
    @Test(arguments: [
        ("/style.css", "style.css"),
        ("/css/site.css", "css/site.css"),
        ("/a%20b.txt", "a b.txt"),
        ("/caf%C3%A9.txt", "café.txt"),
        ("/file.with.dots.txt", "file.with.dots.txt"),
    ])
    func acceptsPlainPaths(path: String, expected: String) throws {
        #expect(try StaticPath.relativePath(from: path) == expected)
    }

    @Test(arguments: [
        "/../etc/passwd",                 // raw parent segment
        "/css/../../etc/passwd",
        "/%2e%2e/etc/passwd",             // encoded once
        "/%2E%2E/etc/passwd",
        "/..%2fetc%2fpasswd",             // encoded separator
        "/%252e%252e/etc/passwd",         // encoded twice: one decode leaves "%2e", refused
        "/%25",
        "/.env",                          // dotfiles
        "/.git/config",
        "/css/.hidden",
        "/./style.css",                   // dot segment
        "/style.css%00.txt",              // NUL
        "/a%0a.txt",                      // control character
        "/..\\..\\etc\\passwd",           // backslashes
        "/%5c..%5cetc",
        "//etc/passwd",                   // empty segment
        "/css//site.css",
        "/",                              // the directory itself
        "/style.css/",
        "/%zz",                           // malformed escape
        "/%2",
        "/%C3%28",                        // invalid UTF-8
        "relative.txt",
    ])
    func refusesEscapes(path: String) {
        #expect(throws: StaticPath.Refusal.self) { try StaticPath.relativePath(from: path) }
    }

    @Test func refusesOverlongPaths() {
        let path = "/" + String(repeating: "a", count: StaticPath.maxLength)
        #expect(throws: StaticPath.Refusal.self) { try StaticPath.relativePath(from: path) }
    }
}
