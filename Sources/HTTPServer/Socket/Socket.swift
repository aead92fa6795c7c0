/// A non-blocking socket descriptor. A plain value: whoever owns it calls `close()` exactly once.
struct Socket: Hashable, Sendable {
    /// The file descriptor.
    let descriptor: Int32

    /// What a non-blocking read or write achieved.
    enum IOResult: Equatable {
        /// This many bytes moved.
        case transferred(Int)
        /// Nothing to do now; wait for the next epoll event (EAGAIN).
        case wouldBlock
        /// The peer closed its side (read returned 0).
        case endOfFile
    }
}
