/// Where the access log goes: one entry per request answered or rejected.
///
/// A protocol of its own rather than a swift-log `Logger`: an access line is written for every
/// request, and building swift-log's metadata dictionary for it (ten keys, each value a `String`,
/// sorted again by the backend) cost five times what the request itself costs. A writer gets the
/// entry's values as they are and formats them straight into its output. A class: the app checks
/// for one on every request, and an optional reference is checked without copying an existential.
public protocol AccessLog: AnyObject, Sendable {
    /// Writes one entry. Called on the event loops: it must not block.
    /// - Parameter entry: What happened to one request.
    func record(_ entry: AccessLogEntry)
}
