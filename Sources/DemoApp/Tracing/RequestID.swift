/// The `X-Request-Id` a proxy or client put on the request (nginx's `$request_id`, Heroku's
/// router, many API gateways), logged beside the trace id so a request can be found by either.
public enum RequestID {
    /// Longer values are dropped. 128 covers every common form (a UUID is 36 characters, a
    /// 32-hex-digit id 32) with room for a prefix.
    public static let maxLength = 128

    /// The value to log, or nil when it is not a plain token: empty, longer than `maxLength`,
    /// or holding anything but printable ASCII without space, `"` and `\`.
    ///
    /// A value that breaks these rules is dropped rather than cleaned or replaced: an altered id
    /// would match nothing upstream, and a replacement would look like the caller's own id. The
    /// request is served the same either way; its trace id still identifies it.
    /// - Parameter value: The `X-Request-Id` field value (the request's only one: two are
    ///   ambiguous, and the caller logs neither).
    public static func sanitized(_ value: String) -> String? {
        guard !value.isEmpty, value.utf8.count <= maxLength,
            value.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        else { return nil }
        return value
    }
}
