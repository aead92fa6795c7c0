import HTTPServer

extension DemoApplication {
    /// Only `POST /api/visits` takes a body, of at most `VisitRequest.maxBodySize` (1 KiB); every
    /// other resource takes none. Decided from the head, so a body the route would refuse is never
    /// buffered and never invited with `100 Continue` (RFC 9110 §10.1.1 lets a server answer the
    /// final status instead): a method the route does not answer gets its 405, a body over the
    /// limit its 413, in the route's format (JSON under `/api`, as every `/api` error).
    public func bodyPolicy(for head: HTTPRequest) -> BodyPolicy {
        let path = head.path
        if let route = Route(path: path), head.method != .options, !route.allows(head.method) {
            return .refuse(Self.withCommonHeaders(
                ErrorResponses.methodNotAllowed(path, allowed: route.allowedMethods + [.options])))
        }
        if Route(path: path) == .visits && head.method == .post {
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
}
