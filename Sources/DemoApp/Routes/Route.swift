import HTTPServer

/// The service's fixed routes, what dispatch matches; any other path is a static file or nothing.
///
/// An enum rather than a dictionary of paths: matching is a few string comparisons with no
/// hashing. What metrics count under is `RouteLabel`, which adds the catch-alls.
enum Route: CaseIterable, Sendable {
    case page
    case basic
    case visits
    /// Liveness, the name Kubernetes' own components use (`/livez`, beside `/readyz`).
    case livez
    /// Liveness under its older name, kept for the probes and scripts that already use it.
    case healthz
    case readyz
    case metrics
    case tutorial

    /// The route of a fixed path, or nil for anything else (a static file, or nothing).
    /// - Parameter path: The request's path, still percent-encoded (no route's path has a `%`).
    init?(path: String) {
        var path = path
        guard let route = path.withUTF8(Route.init(pathBytes:)) else { return nil }
        self = route
    }

    /// The route of a fixed path given as the request's bytes, so that matching makes no string:
    /// every request is matched, and most are `/basic` or a file. The length picks the one or
    /// two candidates, so most file paths are turned away without comparing a byte.
    /// - Parameter path: The path's bytes, still percent-encoded.
    init?(pathBytes path: UnsafeBufferPointer<UInt8>) {
        let route: Route? =
            switch path.count {
            case 1 where path[0] == UInt8(ascii: "/"): .page
            case 6 where path.equals("/basic"): .basic
            case 6 where path.equals("/livez"): .livez
            case 7 where path.equals("/readyz"): .readyz
            case 8 where path.equals("/healthz"): .healthz
            case 8 where path.equals("/metrics"): .metrics
            case 9 where path.equals("/tutorial"): .tutorial
            case 11 where path.equals("/api/visits"): .visits
            default: nil
            }
        guard let route else { return nil }
        self = route
    }

    /// What metrics count the route's answers under.
    var label: RouteLabel {
        switch self {
        case .page: .page
        case .basic: .basic
        case .visits: .visits
        case .livez: .livez
        case .healthz: .healthz
        case .readyz: .readyz
        case .metrics: .metrics
        case .tutorial: .tutorial
        }
    }

    /// The `Cache-Control` of the route's answers, or nil to leave it to the answer.
    ///
    /// Probes, metrics and the visit API describe the live state of this process: a cache that
    /// stored one (heuristic freshness lets it, RFC 9111 §4.2.2, when nothing says otherwise)
    /// would report a dead server healthy or an old count. `no-store` rather than `no-cache`:
    /// these answers carry no validator, so revalidating would be a full request anyway, and
    /// there is nothing worth keeping on disk or in a shared cache.
    var cacheControl: String? {
        switch self {
        case .visits, .livez, .healthz, .readyz, .metrics: "no-store"
        default: nil
        }
    }

    /// Whether the route answers `method` (HEAD goes wherever GET does); `allowedMethods`
    /// without building the list, as every request asks.
    func allows(_ method: HTTPMethod) -> Bool {
        switch method {
        case .get, .head: true
        case .post: self == .visits
        default: false
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
