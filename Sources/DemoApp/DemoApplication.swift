#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import HTTPServer
import Logging
import Synchronization

/// The demo service: routes, the page, static files, the visit API, health and metrics.
///
/// It runs on the server's event loops and never blocks them: what needs the database goes to the
/// store's own thread, which hands back the counts; the answer is then rendered, counted and
/// logged back on the request's event loop.
public final class DemoApplication: HTTPHandler {
    private let configuration: DemoConfiguration
    private let store: any VisitStore
    private let staticFiles: StaticFileServer
    private let tutorial: TutorialPage
    private let imageSizes: ImageSizesCache
    private let serverStatistics: ServerStatistics
    private let metrics = Metrics()
    private let accessLogger: Logger?
    private let droppedLogLines: (@Sendable () -> Int)?
    private let logger: Logger
    private let startedAt = MonotonicInstant.now()
    private let isShuttingDown = Atomic<Bool>(false)
    /// The last total the store reported, for `/metrics` without a database round trip.
    private let lastKnownTotal = Atomic<Int>(-1)

    /// Security headers on every response.
    private static let commonHeaders: HTTPHeaders = [
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    ]

    /// The fixed answers, built once with the common headers already in place.
    private static let basicResponse = withCommonHeaders(.text("Just a basic route, nothing here!"))
    private static let healthResponse = withCommonHeaders(.text("ok\n"))

    /// The page loads only its own stylesheet and icon: no scripts, no outside origins.
    private static let pagePolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// Creates the application.
    /// - Parameters:
    ///   - configuration: Public directory, variant, version.
    ///   - store: Where visits are kept.
    ///   - serverStatistics: The server's live counters, for `/metrics`.
    ///   - logger: For errors.
    ///   - accessLogger: One line per request, or nil for none.
    ///   - droppedLogLines: How many log lines the logging backend has dropped so far, for
    ///     `/metrics`; nil when the backend never drops.
    /// - Throws: `StaticFileServerError` when the public directory cannot be served.
    public init(
        configuration: DemoConfiguration,
        store: any VisitStore,
        serverStatistics: ServerStatistics,
        logger: Logger,
        accessLogger: Logger?,
        droppedLogLines: (@Sendable () -> Int)? = nil
    ) throws {
        self.configuration = configuration
        self.store = store
        self.staticFiles = try StaticFileServer(directory: configuration.publicDirectory)
        self.tutorial = TutorialPage(markdownPath: configuration.tutorialPath)
        self.imageSizes = ImageSizesCache(path: staticFiles.rootDirectory + "/image-sizes.json")
        self.serverStatistics = serverStatistics
        self.logger = logger
        self.accessLogger = accessLogger
        self.droppedLogLines = droppedLogLines
    }

    /// Readiness turns 503 from now on, so a load balancer stops sending traffic before the
    /// listener closes.
    public func beginShutdown() {
        isShuttingDown.store(true, ordering: .releasing)
    }

    public func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        let started = MonotonicInstant.now()
        let route = Route(path: request.path)
        // The walkthrough's images count under its route, found or not.
        let metricsRoute = route ?? (request.path.hasPrefix("/tutorial/") ? .tutorial : nil)
        // Shares the connection's event loop, so completions from the store can return there.
        let observed = HTTPResponder(sameEventLoopAs: responder) { [metrics, accessLogger] response in
            var response = Self.withCommonHeaders(response)
            if let policy = route?.cacheControl, !response.headers.contains("Cache-Control") {
                response.headers.set("Cache-Control", policy)
            }
            let seconds = (MonotonicInstant.now() - started).secondsValue
            let observedRoute = metricsRoute ?? (response.status == .notFound ? .unmatched : .staticFile)
            metrics.observe(route: observedRoute, method: request.method, status: response.status.code, seconds: seconds)
            accessLogger?.info(
                "\(request.method) \(request.target) \(response.status.code)",
                metadata: [
                    "remote": "\(request.remoteAddress ?? "-")",
                    "method": "\(request.method)",
                    "path": "\(request.path)",
                    "status": "\(response.status.code)",
                    "bytes": "\(request.method == .head ? 0 : response.body.count)",
                    "duration_ms": "\(Self.milliseconds(seconds))",
                    "user_agent": "\(request.headers["User-Agent"] ?? "-")",
                ])
            responder.respond(response)
        }
        if let route {
            dispatch(request, to: route, responder: observed)
        } else {
            serveStatic(request, responder: observed)
        }
    }

    /// Malformed, oversized and too-slow requests show in the access log and the metrics too,
    /// though no route saw them: they are what an operator looks for during an attack.
    public func requestRejected(_ error: HTTPError, remoteAddress: String) {
        metrics.observe(route: .rejected, method: nil, status: error.status.code, seconds: nil)
        accessLogger?.info(
            "- - \(error.status.code)",
            metadata: [
                "remote": "\(remoteAddress)",
                "status": "\(error.status.code)",
                "rejected": "\(error.reason)",
            ])
    }

    /// GET and HEAD everywhere, POST on `/api/visits`, OPTIONS: what the server's own answer to
    /// `OPTIONS *` lists in `Allow`.
    public var supportedMethods: [HTTPMethod] { [.get, .head, .post, .options] }

    /// `OPTIONS *`, which the server answered itself, is logged and counted like any request.
    public func requestAnsweredByServer(_ request: HTTPRequest, response: HTTPResponse) {
        metrics.observe(route: .server, method: request.method, status: response.status.code, seconds: nil)
        accessLogger?.info(
            "\(request.method) \(request.target) \(response.status.code)",
            metadata: [
                "remote": "\(request.remoteAddress ?? "-")",
                "method": "\(request.method)",
                "path": "\(request.path)",
                "status": "\(response.status.code)",
                "bytes": "0",
                "user_agent": "\(request.headers["User-Agent"] ?? "-")",
            ])
    }

    /// The response with the common security headers added where the handler did not set them.
    private static func withCommonHeaders(_ response: HTTPResponse) -> HTTPResponse {
        var response = response
        for field in commonHeaders where !response.headers.contains(field.name) {
            response.headers.add(field.name, field.value)
        }
        return response
    }

    private func dispatch(_ request: HTTPRequest, to route: Route, responder: HTTPResponder) {
        let allowed = route.allowedMethods
        if request.method == .options {
            responder.respond(HTTPResponse(status: .noContent, headers: ["Allow": (allowed + [.options]).map(\.rawValue).joined(separator: ", ")]))
            return
        }
        guard allowed.contains(request.method) else {
            responder.respond(ErrorResponses.methodNotAllowed(request.path, allowed: allowed + [.options]))
            return
        }
        switch route {
        case .page: servePage(request, responder: responder)
        case .basic: responder.respond(Self.basicResponse)
        case .visits: serveVisits(request, responder: responder)
        case .healthz: responder.respond(Self.healthResponse)
        case .readyz: serveReadiness(responder: responder)
        case .metrics: serveMetrics(responder: responder)
        case .tutorial: serveTutorial(responder: responder)
        // `Route(path:)` never gives these (they only label metrics); answered like any other path.
        case .staticFile, .unmatched, .rejected, .server: serveStatic(request, responder: responder)
        }
    }

    // MARK: - Page

    private func servePage(_ request: HTTPRequest, responder: HTTPResponder) {
        // The store calls back on its own thread with the counts only; rendering, metrics and
        // the access log run on the event loop, so page views do not queue behind commits.
        let completion: @Sendable (Result<VisitCounts, any Error>) -> Void = { [self] result in
            responder.onEventLoop { [self] in respondWithPage(result, responder: responder) }
        }
        // HEAD is safe (RFC 9110 §9.2.1): it shows the page's head without counting a visit.
        if request.method == .head {
            store.counts(completion: completion)
        } else {
            store.recordVisit(variant: configuration.imageVariant, completion: completion)
        }
    }

    /// Renders the page (or its error) on the event loop.
    private func respondWithPage(_ result: Result<VisitCounts, any Error>, responder: HTTPResponder) {
        switch result {
        case .success(let counts):
            lastKnownTotal.store(counts.total, ordering: .relaxed)
            var response = HTTPResponse.text(
                DemoPage.render(pageFacts(visits: counts.total)), contentType: "text/html; charset=utf-8")
            response.headers.set("Content-Security-Policy", Self.pagePolicy)
            response.headers.set("X-Frame-Options", "DENY")
            response.headers.set("Cache-Control", "no-store")
            responder.respond(response)
        case .failure(let error):
            logger.error("visit store failed", metadata: ["error": "\(error)"])
            responder.respond(ErrorResponses.forPath(
                "/", status: .serviceUnavailable, message: "The visit counter is unavailable; try again shortly."))
        }
    }

    private func pageFacts(visits: Int) -> DemoPage.Facts {
        DemoPage.Facts(
            variant: configuration.imageVariant,
            visits: visits,
            uptimeSeconds: Int((MonotonicInstant.now() - startedAt).components.seconds),
            userID: getuid(),
            groupID: getgid(),
            swiftVersion: DemoVersion.swiftVersion,
            appVersion: configuration.version,
            imageSizes: imageSizes.current())
    }

    // MARK: - API

    private func serveVisits(_ request: HTTPRequest, responder: HTTPResponder) {
        if request.method == .post {
            let variant: String
            do {
                variant = try VisitRequest.variant(from: request, defaultVariant: configuration.imageVariant)
            } catch let error as HTTPError {
                responder.respond(ErrorResponses.json(error.status, error.reason))
                return
            } catch {
                responder.respond(ErrorResponses.json(.badRequest, "invalid request"))
                return
            }
            store.recordVisit(variant: variant) { [self] result in
                responder.onEventLoop { [self] in responder.respond(visitsResponse(result, status: .created)) }
            }
        } else {
            store.counts { [self] result in
                responder.onEventLoop { [self] in responder.respond(visitsResponse(result, status: .ok)) }
            }
        }
    }

    private func visitsResponse(_ result: Result<VisitCounts, any Error>, status: HTTPStatus) -> HTTPResponse {
        switch result {
        case .success(let counts):
            lastKnownTotal.store(counts.total, ordering: .relaxed)
            let byVariant = counts.byVariant.sorted { $0.key < $1.key }
                .map { "\($0.key.jsonQuoted):\($0.value)" }.joined(separator: ",")
            var response = HTTPResponse.text(
                "{\"total\":\(counts.total),\"byVariant\":{\(byVariant)}}\n", status: status, contentType: "application/json")
            response.headers.set("Cache-Control", "no-store")
            return response
        case .failure(let error):
            logger.error("visit store failed", metadata: ["error": "\(error)"])
            return ErrorResponses.json(.serviceUnavailable, "the visit store is unavailable")
        }
    }

    // MARK: - Operations

    private func serveReadiness(responder: HTTPResponder) {
        if isShuttingDown.load(ordering: .acquiring) {
            responder.respond(.text("shutting down\n", status: .serviceUnavailable))
            return
        }
        store.checkHealth { isHealthy in
            responder.onEventLoop {
                responder.respond(isHealthy ? .text("ready\n") : .text("database unavailable\n", status: .serviceUnavailable))
            }
        }
    }

    private func serveMetrics(responder: HTTPResponder) {
        let total = lastKnownTotal.load(ordering: .relaxed)
        let text = metrics.render(
            openConnections: serverStatistics.openConnections,
            acceptedConnections: serverStatistics.acceptedConnections,
            slowClientsCut: ServerStatistics.SlowClientReason.allCases.map { ($0.rawValue, serverStatistics.slowClientsCut($0)) },
            droppedLogLines: droppedLogLines?(),
            visitsTotal: total >= 0 ? total : nil,
            version: configuration.version,
            variant: configuration.imageVariant)
        responder.respond(.text(text, contentType: "text/plain; version=0.0.4; charset=utf-8"))
    }

    private func serveTutorial(responder: HTTPResponder) {
        guard var response = tutorial.response() else {
            responder.respond(ErrorResponses.forPath(
                "/tutorial", status: .notFound,
                message: "The walkthrough is not in this build; read docs/TUTORIAL.md in the repository."))
            return
        }
        response.headers.set("Content-Security-Policy", Self.pagePolicy)
        response.headers.set("X-Frame-Options", "DENY")
        responder.respond(response)
    }

    // MARK: - Static files

    private func serveStatic(_ request: HTTPRequest, responder: HTTPResponder) {
        let isRead = request.method == .get || request.method == .head
        var lookup = request
        lookup.method = .get
        let response: HTTPResponse
        if let asset = tutorial.asset(for: lookup) {
            response = asset
        } else {
            switch staticFiles.lookup(lookup) {
            case .found(let file):
                response = file
            case .notFound:
                responder.respond(ErrorResponses.forPath(request.path, status: .notFound, message: "No such page."))
                return
            case .outOfDescriptors:
                // Out of file descriptors is a passing overload, not a missing file: a 404 would
                // be cached and believed (RFC 9110 §15.6.4: 503 with Retry-After).
                var unavailable = ErrorResponses.forPath(
                    request.path, status: .serviceUnavailable, message: "The server is busy; try again shortly.")
                unavailable.headers.set("Retry-After", "1")
                responder.respond(unavailable)
                return
            }
        }
        responder.respond(isRead ? response : ErrorResponses.methodNotAllowed(request.path, allowed: [.get, .head]))
    }

    private static func milliseconds(_ seconds: Double) -> String {
        let micros = Int((seconds * 1_000_000).rounded())
        let fraction = micros % 1000
        return "\(micros / 1000).\(fraction < 10 ? "00" : fraction < 100 ? "0" : "")\(fraction)"
    }
}
