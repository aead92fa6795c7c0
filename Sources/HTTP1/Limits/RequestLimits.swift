/// Size limits on what a client may send. Every limit has a default chosen for a small web
/// service; each is a setting of the server's `Configuration`.
public struct RequestLimits: Sendable, Equatable {
    /// The longest request line (method, target, version) in bytes; longer gets 414.
    public var maxRequestLineLength: Int
    /// The most bytes in the whole request head, request line included; more gets 431.
    public var maxHeaderBytes: Int
    /// The most header field lines; more gets 431.
    public var maxHeaderCount: Int
    /// The largest request body in bytes; larger gets 413 before any of it is read.
    public var maxBodySize: Int

    /// Creates limits.
    /// - Parameters:
    ///   - maxRequestLineLength: Default 8 KiB, as common proxies use.
    ///   - maxHeaderBytes: Default 16 KiB.
    ///   - maxHeaderCount: Default 100.
    ///   - maxBodySize: Default 1 MiB.
    public init(
        maxRequestLineLength: Int = 8 * 1024,
        maxHeaderBytes: Int = 16 * 1024,
        maxHeaderCount: Int = 100,
        maxBodySize: Int = 1024 * 1024
    ) {
        self.maxRequestLineLength = maxRequestLineLength
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodySize = maxBodySize
    }
}
