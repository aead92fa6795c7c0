import HTTPServer

extension DemoApplication {
    /// Only `POST /api/visits` takes a body, of at most `VisitRequest.maxBodySize` (1 KiB); every
    /// other resource takes none. Decided from the head, so a body the route would refuse is never
    /// buffered and never invited with `100 Continue` (RFC 9110 §10.1.1 lets a server answer the
    /// final status instead): a method the route does not answer gets its 405, a body over the
    /// limit its 413, in the route's format (JSON under `/api`, as every `/api` error).
    public func bodyPolicy(for head: HTTPRequest) -> BodyPolicy {
        let path = head.path
        let route = Route(path: path)
        if let route, head.method != .options, !route.allows(head.method) {
            return .refuse(Self.withCommonHeaders(
                ErrorResponses.methodNotAllowed(path, allowed: route.allowedMethods + [.options])))
        }
        // A path that is no route is a file, which answers GET and HEAD only. Another method with
        // a body gets its 405 here, not a 413 for a body it could never use; without one, the
        // route answers the same 405 and the connection stays open.
        if route == nil, head.method != .get, head.method != .head, Self.announcesBody(head) {
            return .refuse(Self.withCommonHeaders(ErrorResponses.methodNotAllowed(path, allowed: [.get, .head])))
        }
        if route == .visits && head.method == .post {
            return .accept(
                maxBytes: VisitRequest.maxBodySize,
                tooLarge: Self.withCommonHeaders(
                    ErrorResponses.json(.contentTooLarge, "body larger than \(VisitRequest.maxBodySize) bytes")))
        }
        return .accept(
            maxBytes: 0,
            tooLarge: Self.withCommonHeaders(
                ErrorResponses.forPath(path, status: .contentTooLarge, message: "This resource takes no request body.")))
    }

    /// Whether the head frames a body (RFC 9112 §6.3): chunked, or a Content-Length above zero.
    private static func announcesBody(_ head: HTTPRequest) -> Bool {
        head.headers["Transfer-Encoding"] != nil || head.headers["Content-Length"].map { $0 != "0" } ?? false
    }
}
