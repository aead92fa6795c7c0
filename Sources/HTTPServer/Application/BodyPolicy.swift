/// What the application does with the body of a request, decided from its head before any of the
/// body is read: cheap checks (route, method, announced length) before the expensive ones
/// (`100 Continue`, buffering up to a megabyte).
public enum BodyPolicy: Sendable {
    /// Read a body of at most `maxBytes` (never more than the server's `maxBodySize`). A body
    /// announced larger is refused before it is read, and a chunked one as soon as it passes the
    /// limit: with `tooLarge` (a 413 in the route's own format), or the server's plain-text 413.
    case accept(maxBytes: Int, tooLarge: HTTPResponse?)
    /// Do not read the body: answer `response` at once (say a 405), without `100 Continue`, and
    /// close the connection after it (the unread body makes the rest of the input unframed).
    case refuse(HTTPResponse)

    /// Any body up to the server's limit, answered by the server's own 413 beyond it.
    public static let serverLimit = BodyPolicy.accept(maxBytes: .max, tooLarge: nil)
}
