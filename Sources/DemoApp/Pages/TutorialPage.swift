import Glibc
import HTTPServer
import Synchronization

/// `GET /tutorial`: the walkthrough (`docs/TUTORIAL.md`) as HTML, so a person who only runs the
/// container can read it. Rendered on first request and again only when the file changes.
///
/// Its images are served under `/tutorial/images/` from the `images` directory next to the
/// Markdown file, and nothing else is: not the Markdown source, not its other neighbours. With
/// `TUTORIAL_PATH=/TUTORIAL.md` the neighbours would be the whole file system. The images
/// directory is confined exactly as `Public/` is (`StaticFileServer`: decoded once before any
/// check, no `..`, no dotfiles, no symlink out), and must itself be a directory, not a symlink
/// that could point anywhere.
final class TutorialPage: Sendable {
    /// The directory next to the Markdown file that holds its images, and its URL segment.
    static let imagesDirectoryName = "images"

    private let markdownPath: String
    private let images: StaticFileServer?
    private let cache = Mutex<(modified: Int, size: Int, html: String)?>(nil)

    /// - Parameters:
    ///   - markdownPath: The Markdown file; the `images` directory next to it holds the images it
    ///     shows.
    ///   - commonHeaders: Fields added to every image answer (the application's security headers).
    init(markdownPath: String, commonHeaders: HTTPHeaders) {
        self.markdownPath = markdownPath
        let directory = markdownPath.contains("/") ? String(markdownPath[..<markdownPath.lastIndex(of: "/")!]) : "."
        let imagesPath = directory + "/" + Self.imagesDirectoryName
        var info = stat()
        if lstat(imagesPath, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            images = try? StaticFileServer(directory: imagesPath, commonHeaders: commonHeaders)
        } else {
            images = nil
        }
    }

    /// What `response()` found.
    enum Rendering {
        /// The walkthrough as HTML.
        case page(HTTPResponse)
        /// No walkthrough file: this build or deployment has none.
        case missing
        /// The file exists but could not be opened: the process or the system is out of file
        /// descriptors (EMFILE, ENFILE). A passing state, not a missing page.
        case outOfDescriptors
    }

    /// The rendered page, or why there is none.
    func response() -> Rendering {
        var info = stat()
        guard stat(markdownPath, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return .missing }
        let modified = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        let size = Int(info.st_size)
        let html: String
        if let cached = cache.withLock({ $0 }), cached.modified == modified, cached.size == size {
            html = cached.html
        } else {
            guard let markdown = Self.read(markdownPath, limit: 1024 * 1024) else {
                return errno == EMFILE || errno == ENFILE ? .outOfDescriptors : .missing
            }
            let renderer = MarkdownRenderer(imageURL: { "/tutorial/" + $0 }, linkURL: RepositoryLinks.walkthrough.url(for:))
            html = Self.page(body: renderer.render(markdown))
            cache.withLock { $0 = (modified, size, html) }
        }
        return .page(.text(html, contentType: "text/html; charset=utf-8"))
    }

    /// One of the walkthrough's images, by its path under `/tutorial/images/`.
    /// - Returns: The file, or nil when the path names none of them (the caller answers 404).
    func asset(for request: HTTPRequest) -> HTTPResponse? {
        guard let images, request.path(hasPrefix: "/tutorial/") else { return nil }
        // Decode and check the whole path first, then look at its segments: a check on the
        // encoded form (`/tutorial/TUTORIAL.m%64`, `/tutorial/%69mages/`) would see other bytes
        // than the file system does.
        guard let relative = try? StaticPath.relativePath(from: String(request.path.dropFirst("/tutorial".count))) else {
            return nil
        }
        let segments = relative.split(separator: "/", maxSplits: 1)
        guard segments.count == 2, segments[0] == Self.imagesDirectoryName else { return nil }
        return images.response(forRelativePath: String(segments[1]), request: request)
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
        WholeFile.read(path: path, limit: limit).map { String(decoding: $0, as: UTF8.self) }
    }
}
