/// What a request is counted under in the metrics: each fixed route, and the catch-alls.
///
/// Never a raw request path, so a scan of random URLs cannot grow the series without bound; an
/// enum so that the metrics keep one slot per case instead of a label string per request.
enum RouteLabel: Int, CaseIterable, Sendable {
    case page
    case basic
    case visits
    case livez
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
    /// Answered by the server itself because it concerns no resource: `OPTIONS *`.
    case server

    /// The label's value: a fixed route's path, or the catch-all's name.
    var value: String {
        switch self {
        case .page: "/"
        case .basic: "/basic"
        case .visits: "/api/visits"
        case .livez: "/livez"
        case .healthz: "/healthz"
        case .readyz: "/readyz"
        case .metrics: "/metrics"
        case .tutorial: "/tutorial"
        case .staticFile: "static"
        case .unmatched: "unmatched"
        case .rejected: "rejected"
        case .server: "server"
        }
    }
}
