/// How the body of a request is delimited (RFC 9112 §6.3).
package enum BodyFraming: Equatable, Sendable {
    /// No body.
    case none
    /// Exactly this many bytes follow the head.
    case length(Int)
    /// The chunked transfer coding (RFC 9112 §7.1).
    case chunked
}

/// The parsed head of a request, before its body has arrived.
package struct RequestHead: Sendable {
    package var method: HTTPMethod
    package var target: RequestTarget
    package var version: HTTPVersion
    package var headers: HTTPHeaders
    package var framing: BodyFraming
    /// The client sent `Expect: 100-continue` and waits for an interim response (RFC 9110 §10.1.1).
    package var expectsContinue: Bool
    /// `close` and `keep-alive` in `Connection`.
    package var connectionTokens: ConnectionTokens

    /// The complete request once the body is known.
    package consuming func request(body: [UInt8]) -> HTTPRequest {
        var request = HTTPRequest(method: method, target: target, version: version, headers: headers, body: body)
        request.connectionTokens = connectionTokens
        return request
    }
}

/// What the parser produced from the bytes so far.
package enum ParseEvent {
    /// The head is complete and a body follows; the connection may answer `100 Continue` now.
    case head(RequestHead)
    /// A whole request.
    case request(HTTPRequest)
}
