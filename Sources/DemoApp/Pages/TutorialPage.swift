#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import HTTPServer
import Synchronization

/// `GET /tutorial`: the walkthrough (`docs/TUTORIAL.md`) as HTML, so a person who only runs the
/// container can read it. Rendered on first request and again only when the file changes.
/// Its images are served from the same directory under `/tutorial/`.
final class TutorialPage: Sendable {
    private let markdownPath: String
    private let assets: StaticFileServer?
    private let cache = Mutex<(modified: Int, size: Int, html: String)?>(nil)

    /// - Parameter markdownPath: The Markdown file; its directory holds the images it shows.
    init(markdownPath: String) {
        self.markdownPath = markdownPath
        let directory = markdownPath.contains("/") ? String(markdownPath[..<markdownPath.lastIndex(of: "/")!]) : "."
        assets = try? StaticFileServer(directory: directory.isEmpty ? "/" : directory)
    }

    /// The rendered page, or nil when the file is missing.
    func response() -> HTTPResponse? {
        var info = stat()
        guard stat(markdownPath, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let modified = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        let size = Int(info.st_size)
        let html: String
        if let cached = cache.withLock({ $0 }), cached.modified == modified, cached.size == size {
            html = cached.html
        } else {
            guard let markdown = Self.read(markdownPath, limit: 1024 * 1024) else { return nil }
            html = Self.page(body: MarkdownRenderer(imageURL: { "/tutorial/" + $0 }).render(markdown))
            cache.withLock { $0 = (modified, size, html) }
        }
        return .text(html, contentType: "text/html; charset=utf-8")
    }

    /// An image or other file next to the tutorial, by its path under `/tutorial/`.
    func asset(for request: HTTPRequest) -> HTTPResponse? {
        guard let assets, request.path.hasPrefix("/tutorial/") else { return nil }
        var assetRequest = request
        assetRequest.path = String(request.path.dropFirst("/tutorial".count))
        // The Markdown source itself is served as the page, not as a file.
        guard !assetRequest.path.hasSuffix(".md") else { return nil }
        return assets.response(for: assetRequest)
    }

    private static func page(body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Walkthrough · Tiny Swift container</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml">
        <link rel="stylesheet" href="/style.css">
        </head>
        <body>
        <nav class="crumbs"><a href="/">← Demo page</a></nav>
        <main class="card prose">
        \(body)
        </main>
        </body>
        </html>

        """
    }

    private static func read(_ path: String, limit: Int) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { readBytes(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `read(2)`, which `TutorialPage.read(_:limit:)` hides from the type's methods; a file-scope
/// wrapper reaches it by its plain name (`Glibc.read` would not compile against Musl).
private func readBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
