import HTTPServer

/// The Flask original's one route, kept word for word for side-by-side comparison.
enum BasicRoute {
    static let text = "Just a basic route, nothing here!"
    static let response = HTTPResponse.text(text)
}
