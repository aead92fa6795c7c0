/// Answers the requests that concern the server as a whole rather than any resource of the
/// application, and passes everything else to the application's handler.
///
/// That is `OPTIONS *` (RFC 9110 §9.3.7): "the server in general", answered 200 with the
/// methods the application supports in `Allow` and, as §9.3.7 requires of a response without
/// content, `Content-Length: 0`. The parser lets asterisk-form through for OPTIONS only (any other
/// method with `*` is a 400, RFC 9112 §3.2.4), and answers CONNECT itself (501).
struct ServerWideRequests: HTTPHandler {
    /// The application's handler.
    let application: any HTTPHandler

    func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        guard request.target == "*" else {
            application.handle(request, responder: responder)
            return
        }
        let allowed = application.supportedMethods.map(\.rawValue).joined(separator: ", ")
        let response = HTTPResponse(status: .ok, headers: ["Allow": allowed])
        application.requestAnsweredByServer(request, response: response)
        responder.respond(response)
    }

    var supportedMethods: [HTTPMethod] { application.supportedMethods }

    func requestRejected(_ error: HTTPError, remoteAddress: String) {
        application.requestRejected(error, remoteAddress: remoteAddress)
    }

    func requestAnsweredByServer(_ request: HTTPRequest, response: HTTPResponse) {
        application.requestAnsweredByServer(request, response: response)
    }

    func bodyPolicy(for head: HTTPRequest) -> BodyPolicy {
        head.target == "*" ? .serverLimit : application.bodyPolicy(for: head)
    }
}
