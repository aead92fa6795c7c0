import HTTPServer

/// The service's routes: each fixed path, and the two catch-alls that metrics count under.
///
/// An enum rather than a dictionary of paths: matching is a few string comparisons with no
/// hashing, and the metrics keep one slot per case instead of a label string per request.
enum Route: Int, CaseIterable, Sendable {
    case page
    case basic
    case visits
    case healthz
    case readyz
    case metrics
    case tutorial
    /// A file from the public directory, or one of the walkthrough's images.
    case staticFile
    /// Nothing matched: a 404.
    case unmatched
    /// Answered by the server before routing: malformed, over a limit, or too slow (4xx/5xx).
    case rejected

    /// The route of a fixed path, or nil for anything else (a static file, or nothing).
    /// - Parameter path: The request's decoded path.
    init?(path: String) {
        switch path {
        case "/": self = .page
        case "/basic": self = .basic
        case "/api/visits": self = .visits
        case "/healthz": self = .healthz
        case "/readyz": self = .readyz
        case "/metrics": self = .metrics
        case "/tutorial": self = .tutorial
        default: return nil
        }
    }

    /// The metrics label: the path of a fixed route, never a raw request path, so a scan of
    /// random URLs cannot grow the series without bound.
    var label: String {
        switch self {
        case .page: "/"
        case .basic: "/basic"
        case .visits: "/api/visits"
        case .healthz: "/healthz"
        case .readyz: "/readyz"
        case .metrics: "/metrics"
        case .tutorial: "/tutorial"
        case .staticFile: "static"
        case .unmatched: "unmatched"
        case .rejected: "rejected"
        }
    }

    /// The methods a route answers, for 405 and OPTIONS (HEAD goes wherever GET does).
    var allowedMethods: [HTTPMethod] {
        switch self {
        case .visits: [.get, .head, .post]
        default: [.get, .head]
        }
    }
}
