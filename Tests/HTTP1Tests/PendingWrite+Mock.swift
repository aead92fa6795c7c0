@testable import HTTP1

extension PendingWrite {
    /// The head and bytes not yet written, in order (the file region, if any, follows them).
    var unwrittenBytes: [UInt8] {
        Array(head[headOffset...]) + Array(bytes[bytesOffset...])
    }
}
