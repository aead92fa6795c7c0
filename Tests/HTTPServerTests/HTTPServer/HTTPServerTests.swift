import Testing

/// A request head with a Host field; `fields` are extra lines, each ending in CRLF.
func get(_ target: String, _ fields: String = "", method: String = "GET", version: String = "HTTP/1.1") -> String {
    "\(method) \(target) \(version)\r\nHost: test\r\n\(fields)\r\n"
}

/// A POST with a Content-Length body.
func post(_ target: String, body: String, _ fields: String = "") -> String {
    "POST \(target) HTTP/1.1\r\nHost: test\r\nContent-Length: \(body.utf8.count)\r\n\(fields)\r\n\(body)"
}

/// The live server over real sockets on the loopback, one suite per behaviour in this folder.
/// Serialized, nested suites included: several tests count the process's descriptors or watch
/// the event loops' threads, which a concurrent server would disturb.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct HTTPServerTests {}
