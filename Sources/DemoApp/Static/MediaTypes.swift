/// Content types by file extension, for what a small site serves. Unknown extensions get
/// `application/octet-stream`, which browsers download rather than render (with `nosniff`).
enum MediaTypes {
    private static let byExtension: [String: String] = [
        "html": "text/html; charset=utf-8",
        "htm": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8",
        "json": "application/json",
        "txt": "text/plain; charset=utf-8",
        "md": "text/markdown; charset=utf-8",
        "csv": "text/csv; charset=utf-8",
        "xml": "application/xml",
        "svg": "image/svg+xml",
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "gif": "image/gif",
        "webp": "image/webp",
        "avif": "image/avif",
        "ico": "image/x-icon",
        "woff": "font/woff",
        "woff2": "font/woff2",
        "wasm": "application/wasm",
        "pdf": "application/pdf",
        "webmanifest": "application/manifest+json",
    ]

    /// The `Content-Security-Policy` for a file a browser renders as a document, or nil.
    ///
    /// An SVG, HTML or XML file opened on its own is a document on this origin: a `<script>` in
    /// it would run with the demo's cookies and paths. These policies allow no script at all.
    /// An SVG needs only its inline styles and same-origin images (the favicon and the
    /// walkthrough's charts use presentation attributes and `url(#marker)` references, which CSP
    /// does not restrict); an HTML or XML page may also load this origin's stylesheets.
    /// - Parameter contentType: What `contentType(forPath:)` returned.
    static func contentSecurityPolicy(forContentType contentType: String) -> String? {
        switch contentType {
        case "image/svg+xml":
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"
        case "text/html; charset=utf-8", "application/xml":
            "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        default:
            nil
        }
    }

    /// The `Content-Type` for a file path.
    /// - Parameter path: A path whose last extension decides.
    static func contentType(forPath path: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return "application/octet-stream" }
        let fileExtension = path[path.index(after: dot)...].lowercased()
        return byExtension[fileExtension] ?? "application/octet-stream"
    }
}
