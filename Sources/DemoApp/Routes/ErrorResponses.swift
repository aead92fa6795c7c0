import HTTPServer

/// 404, 405 and other error answers: JSON under `/api`, HTML elsewhere (for browsers).
enum ErrorResponses {
    /// A JSON error body `{"error": "..."}`.
    /// - Parameters:
    ///   - status: The status.
    ///   - message: What went wrong, safe to show.
    /// Never stored (`Cache-Control: no-store`): like every `/api` answer it describes the
    /// service's state now, and a 404 would otherwise be heuristically cacheable (RFC 9111 §4.2.2).
    static func json(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
        var response = HTTPResponse.text("{\"error\":\(message.jsonQuoted)}\n", status: status, contentType: "application/json")
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    /// An error page or JSON body depending on the path.
    /// - Parameters:
    ///   - status: The status.
    ///   - message: What went wrong, safe to show.
    ///   - path: The request path, to choose JSON for `/api`.
    static func forPath(_ path: String, status: HTTPStatus, message: String) -> HTTPResponse {
        if path == "/api" || path.hasPrefix("/api/") { return json(status, message) }
        let html = """
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(status.code) \(status.reasonPhrase.htmlEscaped)</title>
            <link rel="stylesheet" href="/style.css"></head>
            <body><main class="card error">
            <h1>\(status.code) · \(status.reasonPhrase.htmlEscaped)</h1>
            <p>\(message.htmlEscaped)</p>
            <p><a href="/">Back to the demo page</a></p>
            </main></body>
            </html>

            """
        return HTTPResponse.text(html, status: status, contentType: "text/html; charset=utf-8")
    }

    /// 405 with the `Allow` field RFC 9110 §15.5.6 requires.
    /// - Parameters:
    ///   - path: The request path.
    ///   - allowed: The methods the resource supports.
    static func methodNotAllowed(_ path: String, allowed: [HTTPMethod]) -> HTTPResponse {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        var response = forPath(path, status: .methodNotAllowed, message: "Allowed methods: \(list).")
        response.headers.set("Allow", list)
        return response
    }
}
