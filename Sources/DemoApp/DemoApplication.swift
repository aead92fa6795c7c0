import Glibc
import HTTPServer
import Logging
import Synchronization

/// The demo service: routes, the page, static files, the visit API, health and metrics.
///
/// It runs on the server's event loops and never blocks them: what needs the database goes to the
/// store's own thread, which hands back the counts; the answer is then rendered, counted and
/// logged back on the request's event loop.
public final class DemoApplication: HTTPHandler, HTTPServerObserver {
    private let configuration: DemoConfiguration
    private let store: any VisitStore
    private let variants: VariantCatalog
    private let staticFiles: StaticFileServer
    private let tutorial: TutorialPage
    private let imageSizes: ImageSizesCache
    private let serverStatistics: ServerStatistics
    private let metrics = Metrics()
    private let traceIDs = RandomIDSource()
    private let accessLog: (any AccessLog)?
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

    /// The fixed answers, complete (common headers, the route's `Cache-Control`) and with their
    /// heads encoded once: sent as they are, never re-encoded per request.
    private static let basicResponse = withCommonHeaders(.text("Just a basic route, nothing here!")).prepared()
    private static let healthResponse: HTTPResponse = {
        var response = withCommonHeaders(.text("ok\n"))
        if let policy = Route.livez.cacheControl { response.headers.set("Cache-Control", policy) }
        return response.prepared()
    }()

    /// `Retry-After` on a 503 the handler did not time itself: long enough for a burst to pass or
    /// a probe to notice, short enough that a client does not give up on a passing fault.
    private static let retryAfterSeconds = "5"

    /// The page loads only its own stylesheet and icon: no scripts, no outside origins.
    private static let pagePolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// Creates the application.
    /// - Parameters:
    ///   - configuration: Public directory, variant, version.
    ///   - store: Where visits are kept.
    ///   - serverStatistics: The server's live counters, for `/metrics`.
    ///   - logger: For errors.
    ///   - accessLog: One entry per request, or nil for none.
    ///   - droppedLogLines: How many log lines the logging backend has dropped so far, for
    ///     `/metrics`; nil when the backend never drops.
    /// - Throws: `StaticFileServerError` when the public directory cannot be served.
    public init(
        configuration: DemoConfiguration,
        store: any VisitStore,
        serverStatistics: ServerStatistics,
        logger: Logger,
        accessLog: (any AccessLog)?,
        droppedLogLines: (@Sendable () -> Int)? = nil
    ) throws {
        self.configuration = configuration
        self.store = store
        self.variants = VariantCatalog(limit: configuration.maxVariants, builtIn: configuration.imageVariant)
        self.staticFiles = try StaticFileServer(directory: configuration.publicDirectory, commonHeaders: Self.commonHeaders)
        self.tutorial = TutorialPage(markdownPath: configuration.tutorialPath, commonHeaders: Self.commonHeaders)
        self.imageSizes = ImageSizesCache(path: staticFiles.rootDirectory + "/image-sizes.json")
        self.serverStatistics = serverStatistics
        self.logger = logger
        self.accessLog = accessLog
        self.droppedLogLines = droppedLogLines
    }

    /// Creates the application with its access log written through swift-log (`LoggerAccessLog`).
    /// - Parameters:
    ///   - configuration: Public directory, variant, version.
    ///   - store: Where visits are kept.
    ///   - serverStatistics: The server's live counters, for `/metrics`.
    ///   - logger: For errors.
    ///   - accessLogger: One `info` line per request, or nil for none.
    ///   - droppedLogLines: How many log lines the logging backend has dropped so far.
    /// - Throws: `StaticFileServerError` when the public directory cannot be served.
    public convenience init(
        configuration: DemoConfiguration,
        store: any VisitStore,
        serverStatistics: ServerStatistics,
        logger: Logger,
        accessLogger: Logger?,
        droppedLogLines: (@Sendable () -> Int)? = nil
    ) throws {
        try self.init(
            configuration: configuration, store: store, serverStatistics: serverStatistics, logger: logger,
            accessLog: accessLogger.map(LoggerAccessLog.init), droppedLogLines: droppedLogLines)
    }

    /// Readiness turns 503 from now on, so a load balancer stops sending traffic before the
    /// listener closes.
    public func beginShutdown() {
        isShuttingDown.store(true, ordering: .releasing)
    }

    /// A request on its way to an answer: what counting and logging it needs.
    private struct Exchange: Sendable {
        let request: HTTPRequest
        /// The fixed route the path names, or nil (a static file, or nothing).
        let route: Route?
        let started: MonotonicInstant
        /// The request's place in a distributed trace, whose ids go on every line logged for it;
        /// made up front only when the access log is on (random ids cost several hundred
        /// instructions, a quarter of a `/basic` answer's own work), else by `trace(of:)` for the
        /// rare line that needs it.
        let trace: RequestTrace?
    }

    public func answer(_ request: HTTPRequest, responder: HTTPResponder) {
        let route = request.withPathBytes(Route.init(pathBytes:))
        let trace = accessLog == nil ? nil : RequestTrace(headers: request.headers, ids: traceIDs)
        let exchange = Exchange(request: request, route: route, started: .now(), trace: trace)
        if let route = exchange.route {
            dispatch(exchange, to: route, responder: responder)
        } else {
            serveStatic(exchange, responder: responder)
        }
    }

    /// Completes a response (the common security headers, the route's `Cache-Control`), counts
    /// and logs it, and writes it. Every answer goes through here, on the request's event loop,
    /// with the one responder the server made: no observing responder wrapped around it.
    private func answer(_ exchange: Exchange, _ response: HTTPResponse, responder: HTTPResponder) {
        // A prepared response was complete when it was prepared (the fixed answers, cached static
        // files): adding to it would only throw its encoded head away.
        let response = response.isPrepared ? response : completed(response, route: exchange.route)
        // Read in place: a local copy of the request would retain and release each of its buffers.
        let seconds = MonotonicInstant.now().seconds(since: exchange.started)
        // The walkthrough's images count under its route, found or not.
        let label: RouteLabel =
            exchange.route?.label
            ?? (exchange.request.path(hasPrefix: "/tutorial/") ? .tutorial : response.status == .notFound ? .unmatched : .staticFile)
        metrics.observe(route: label, method: exchange.request.method, status: response.status.code, seconds: seconds)
        if accessLog != nil {
            logAccess(
                exchange.request, trace: trace(of: exchange), status: response.status,
                bytes: exchange.request.method == .head ? 0 : response.body.count, seconds: seconds)
        }
        responder.write(response)
    }

    /// `response` with what every answer of `route` carries that the route did not set.
    private func completed(_ response: HTTPResponse, route: Route?) -> HTTPResponse {
        var response = Self.withCommonHeaders(response)
        if let policy = route?.cacheControl, !response.headers.contains("Cache-Control") {
            response.headers.set("Cache-Control", policy)
        }
        // Every 503 here is a passing state (the store, descriptors, a shutdown): Retry-After
        // tells clients and proxies when to come back instead of retrying at once (RFC 9110
        // §10.2.3, §15.6.4).
        if response.status == .serviceUnavailable, !response.headers.contains("Retry-After") {
            response.headers.set("Retry-After", Self.retryAfterSeconds)
        }
        return response
    }

    /// The exchange's trace: the one its access-log line carries, or (access log off) one made now.
    private func trace(of exchange: Exchange) -> RequestTrace {
        exchange.trace ?? RequestTrace(headers: exchange.request.headers, ids: traceIDs)
    }

    /// One access-log entry (nothing when the access log is off).
    private func logAccess(_ request: HTTPRequest, trace: RequestTrace, status: HTTPStatus, bytes: Int, seconds: Double?) {
        accessLog?.record(AccessLogEntry(answering: request, trace: trace, status: status.code, bytes: bytes, seconds: seconds))
    }

    /// Malformed, oversized and too-slow requests show in the access log and the metrics too,
    /// though no route saw them: they are what an operator looks for during an attack.
    public func requestRejected(_ error: HTTPError, remoteAddress: String) {
        metrics.observe(route: .rejected, method: nil, status: error.status.code, seconds: nil)
        guard let accessLog else { return }
        // No header was read, so no caller's trace: the line still gets ids of its own, so that
        // every access-log line can be found and correlated the same way.
        accessLog.record(
            AccessLogEntry(
                rejectedWith: error.status.code, reason: error.reason, remoteAddress: remoteAddress, trace: RequestTrace(ids: traceIDs)))
    }

    /// GET and HEAD everywhere, POST on `/api/visits`, OPTIONS: what the server's own answer to
    /// `OPTIONS *` lists in `Allow`.
    public var supportedMethods: [HTTPMethod] { [.get, .head, .post, .options] }

    /// `OPTIONS *`, which the server answered itself, is logged and counted like any request.
    public func requestAnsweredByServer(_ request: HTTPRequest, response: HTTPResponse) {
        // `OPTIONS *`, or a route's refusal of a body it will not read (405, 413).
        let label = request.isAsteriskForm ? RouteLabel.server : request.withPathBytes(Route.init(pathBytes:))?.label ?? .unmatched
        metrics.observe(route: label, method: request.method, status: response.status.code, seconds: nil)
        guard accessLog != nil else { return }
        logAccess(request, trace: RequestTrace(headers: request.headers, ids: traceIDs), status: response.status, bytes: 0, seconds: nil)
    }

    /// The response with the common security headers added where the handler did not set them.
    static func withCommonHeaders(_ response: HTTPResponse) -> HTTPResponse {
        var response = response
        for field in commonHeaders where !response.headers.contains(field.name) {
            response.headers.add(field.name, field.value)
        }
        return response
    }

    private func dispatch(_ exchange: Exchange, to route: Route, responder: HTTPResponder) {
        // No route answers OPTIONS as a method of its own: asked only of what it does not allow.
        guard route.allows(exchange.request.method) else {
            if exchange.request.method == .options {
                let allow = (route.allowedMethods + [.options]).map(\.rawValue).joined(separator: ", ")
                answer(exchange, HTTPResponse(status: .noContent, headers: ["Allow": allow]), responder: responder)
                return
            }
            answer(exchange, ErrorResponses.methodNotAllowed(exchange.request.path, allowed: route.allowedMethods + [.options]), responder: responder)
            return
        }
        switch route {
        case .page: servePage(exchange, responder: responder)
        case .basic: answer(exchange, Self.basicResponse, responder: responder)
        case .visits: serveVisits(exchange, responder: responder)
        case .livez, .healthz: answer(exchange, Self.healthResponse, responder: responder)
        case .readyz: serveReadiness(exchange, responder: responder)
        case .metrics: answer(exchange, metricsResponse(exchange.request), responder: responder)
        case .tutorial: answer(exchange, tutorialResponse(), responder: responder)
        }
    }

    // MARK: - Page

    private func servePage(_ exchange: Exchange, responder: HTTPResponder) {
        // The store calls back on its own thread with the counts only; rendering, metrics and
        // the access log run on the event loop, so page views do not queue behind commits.
        // HEAD is safe (RFC 9110 §9.2.1): it counts no visit. But its Content-Length must be what
        // GET would send (§9.3.2, §8.6), and GET shows the count with its own visit included, so
        // HEAD renders the page as the next GET would: one more than the count now.
        let isHead = exchange.request.method == .head
        let completion: @Sendable (Result<VisitCounts, any Error>) -> Void = { [self] result in
            responder.onEventLoop { [self] in
                answer(exchange, pageResponse(result, includingAVisitNotRecorded: isHead, exchange: exchange), responder: responder)
            }
        }
        if isHead {
            store.counts(completion: completion)
        } else {
            store.recordVisit(variant: configuration.imageVariant, completion: completion)
        }
    }

    /// Renders the page (or its error) on the event loop.
    /// - Parameters:
    ///   - result: The counts, or why they could not be had.
    ///   - includingAVisitNotRecorded: Show one visit more than counted (HEAD, as GET would).
    ///   - exchange: The request, whose trace ids go on an error line.
    private func pageResponse(
        _ result: Result<VisitCounts, any Error>, includingAVisitNotRecorded: Bool, exchange: Exchange
    ) -> HTTPResponse {
        switch result {
        case .success(let counts):
            lastKnownTotal.store(counts.total, ordering: .relaxed)
            let shown = counts.total + (includingAVisitNotRecorded ? 1 : 0)
            var response = HTTPResponse.text(
                DemoPage.render(pageFacts(visits: shown)), contentType: "text/html; charset=utf-8")
            response.headers.set("Content-Security-Policy", Self.pagePolicy)
            response.headers.set("X-Frame-Options", "DENY")
            response.headers.set("Cache-Control", "no-store")
            return response
        case .failure(let error):
            trace(of: exchange).annotating(logger).error("visit store failed", metadata: ["error": "\(error)"])
            return ErrorResponses.forPath(
                "/", status: .serviceUnavailable, message: "The visit counter is unavailable; try again shortly.")
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

    private func serveVisits(_ exchange: Exchange, responder: HTTPResponder) {
        let request = exchange.request
        if request.method == .post {
            let variant: String
            do {
                variant = try VisitRequest.variant(from: request, defaultVariant: configuration.imageVariant)
            } catch let error as HTTPError {
                answer(exchange, ErrorResponses.json(error.status, error.reason), responder: responder)
                return
            } catch {
                answer(exchange, ErrorResponses.json(.badRequest, "invalid request"), responder: responder)
                return
            }
            if variants.contains(variant) {
                record(exchange, variant: variant, isNew: false, responder: responder)
            } else if variants.isFull {
                answer(exchange, tooManyVariants(), responder: responder)
            } else {
                // A name this process has not seen: another process may have counted it, or used
                // the room, so the store's list decides before anything is written.
                store.counts { [self] result in
                    responder.onEventLoop { [self] in admitAndRecord(exchange, variant: variant, after: result, responder: responder) }
                }
            }
        } else {
            store.counts { [self] result in
                responder.onEventLoop { [self] in
                    if case .success(let counts) = result { variants.learn(counts.byVariant.keys) }
                    answer(exchange, countsResponse(result, exchange: exchange), responder: responder)
                }
            }
        }
    }

    /// Records `variant` if the catalog, refreshed from `counts`, has room for it.
    private func admitAndRecord(
        _ exchange: Exchange, variant: String, after counts: Result<VisitCounts, any Error>, responder: HTTPResponder
    ) {
        guard case .success(let counts) = counts else {
            answer(exchange, countsResponse(counts, exchange: exchange), responder: responder)
            return
        }
        variants.learn(counts.byVariant.keys)
        switch variants.admit(variant) {
        case .full: answer(exchange, tooManyVariants(), responder: responder)
        case .known: record(exchange, variant: variant, isNew: false, responder: responder)
        case .new: record(exchange, variant: variant, isNew: true, responder: responder)
        }
    }

    private func record(_ exchange: Exchange, variant: String, isNew: Bool, responder: HTTPResponder) {
        store.recordVisit(variant: variant) { [self] result in
            responder.onEventLoop { [self] in
                if isNew, case .failure = result { variants.forget(variant) }
                answer(exchange, recordedResponse(result, variant: variant, exchange: exchange), responder: responder)
            }
        }
    }

    /// 422 rather than 409 or 507: the request is well-formed but names something this service
    /// will not create (RFC 9110 §15.5.21), and repeating it will not help; 409 suggests a
    /// conflict the client could resolve and retry, and a 5xx (507 is WebDAV's "out of space")
    /// would blame the server, page an operator and invite retries for a client's choice.
    private func tooManyVariants() -> HTTPResponse {
        ErrorResponses.json(
            .unprocessableContent,
            "too many variants: at most \(variants.limit) distinct names are counted; use one already counted")
    }

    /// The answer to a recorded visit: the total and this visit's variant only, so that it stays
    /// the same size however many variants exist. Same shape as `GET /api/visits`.
    private func recordedResponse(
        _ result: Result<VisitCounts, any Error>, variant: String, exchange: Exchange
    ) -> HTTPResponse {
        switch result {
        case .success(let counts):
            lastKnownTotal.store(counts.total, ordering: .relaxed)
            let count = counts.byVariant[variant] ?? 0
            var response = HTTPResponse.text(
                "{\"total\":\(counts.total),\"byVariant\":{\(variant.jsonQuoted):\(count)}}\n", status: .created,
                contentType: "application/json")
            response.headers.set("Cache-Control", "no-store")
            return response
        case .failure(let error):
            return storeUnavailable(error, exchange: exchange)
        }
    }

    /// Every variant's count (at most `MAX_VARIANTS` of them, beyond those counted before a
    /// limit was set).
    private func countsResponse(_ result: Result<VisitCounts, any Error>, exchange: Exchange) -> HTTPResponse {
        switch result {
        case .success(let counts):
            lastKnownTotal.store(counts.total, ordering: .relaxed)
            let byVariant = counts.byVariant.sorted { $0.key < $1.key }
                .map { "\($0.key.jsonQuoted):\($0.value)" }.joined(separator: ",")
            var response = HTTPResponse.text(
                "{\"total\":\(counts.total),\"byVariant\":{\(byVariant)}}\n", contentType: "application/json")
            response.headers.set("Cache-Control", "no-store")
            return response
        case .failure(let error):
            return storeUnavailable(error, exchange: exchange)
        }
    }

    private func storeUnavailable(_ error: any Error, exchange: Exchange) -> HTTPResponse {
        trace(of: exchange).annotating(logger).error("visit store failed", metadata: ["error": "\(error)"])
        return ErrorResponses.json(.serviceUnavailable, "the visit store is unavailable")
    }

    // MARK: - Operations

    private func serveReadiness(_ exchange: Exchange, responder: HTTPResponder) {
        if isShuttingDown.load(ordering: .acquiring) {
            answer(exchange, .text("shutting down\n", status: .serviceUnavailable), responder: responder)
            return
        }
        store.checkHealth { [self] isHealthy in
            responder.onEventLoop { [self] in
                answer(
                    exchange, isHealthy ? .text("ready\n") : .text("database unavailable\n", status: .serviceUnavailable),
                    responder: responder)
            }
        }
    }

    /// The metrics in the format the scraper asked for (`Accept`), marked as varying with it so
    /// no cache hands one format to a scraper that asked for the other (RFC 9110 §12.5.5).
    private func metricsResponse(_ request: HTTPRequest) -> HTTPResponse {
        let total = lastKnownTotal.load(ordering: .relaxed)
        let format = MetricsExposition.Format.negotiate(accept: request.headers.values("Accept"))
        let text = metrics.render(
            format: format,
            openConnections: serverStatistics.openConnections,
            acceptedConnections: serverStatistics.acceptedConnections,
            slowClientsCut: ServerStatistics.SlowClientReason.allCases.map { ($0.rawValue, serverStatistics.slowClientsCut($0)) },
            droppedLogLines: droppedLogLines?(),
            visitsTotal: total >= 0 ? total : nil,
            version: configuration.version,
            variant: configuration.imageVariant)
        var response = HTTPResponse.text(text, contentType: format.contentType)
        response.headers.set("Vary", "Accept")
        return response
    }

    private func tutorialResponse() -> HTTPResponse {
        var response: HTTPResponse
        switch tutorial.response() {
        case .page(let page):
            response = page
        case .missing:
            return ErrorResponses.forPath(
                "/tutorial", status: .notFound,
                message: "The walkthrough is not in this build; read docs/TUTORIAL.md in the repository.")
        case .outOfDescriptors:
            // As for a static file: the page exists, the process is briefly out of descriptors,
            // and a 404 would be cached and believed (RFC 9110 §15.6.4: 503 with Retry-After).
            var unavailable = ErrorResponses.forPath(
                "/tutorial", status: .serviceUnavailable, message: "The server is busy; try again shortly.")
            unavailable.headers.set("Retry-After", "1")
            return unavailable
        }
        response.headers.set("Content-Security-Policy", Self.pagePolicy)
        response.headers.set("X-Frame-Options", "DENY")
        return response
    }

    // MARK: - Static files

    private func serveStatic(_ exchange: Exchange, responder: HTTPResponder) {
        answer(exchange, staticResponse(exchange.request), responder: responder)
    }

    private func staticResponse(_ request: HTTPRequest) -> HTTPResponse {
        // The method first: a request no file can answer opens, reads and caches nothing.
        guard request.method == .get || request.method == .head else {
            return ErrorResponses.methodNotAllowed(request.path, allowed: [.get, .head])
        }
        if let asset = tutorial.asset(for: request) { return asset }
        switch staticFiles.lookup(request) {
        case .found(let file):
            return file
        case .notFound:
            return ErrorResponses.forPath(request.path, status: .notFound, message: "No such page.")
        case .outOfDescriptors:
            // Out of file descriptors is a passing overload, not a missing file: a 404 would be
            // cached and believed (RFC 9110 §15.6.4: 503 with Retry-After).
            var unavailable = ErrorResponses.forPath(
                request.path, status: .serviceUnavailable, message: "The server is busy; try again shortly.")
            unavailable.headers.set("Retry-After", "1")
            return unavailable
        }
    }
}
