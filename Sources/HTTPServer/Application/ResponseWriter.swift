/// What a responder writes the server's responses to: the request's connection. Called on the
/// connection's event loop only (the responder hops there first).
protocol ResponseWriter: AnyObject {
    /// Writes the response to request number `serial`; one for a request no longer in flight is
    /// dropped.
    func write(_ response: consuming HTTPResponse, serial: UInt64)
}

/// A connection and its loop's inbox, carried into a responder (which is Sendable). The
/// connection is only touched on its loop's thread (directly there, else through the inbox),
/// which makes this sound.
struct ResponseTarget: @unchecked Sendable {
    let writer: any ResponseWriter
    let inbox: EventLoopInbox
}
