/// The rest of a response still to write: a head, then bytes or a file region.
///
/// Also holds an interim response (`100 Continue`) on its own, so a short write of it is finished
/// later instead of being dropped; a final response started before that is done carries the
/// interim response's unwritten bytes in front of its own head.
package struct PendingWrite {
    package var head: [UInt8]
    package var headOffset = 0
    package var bytes: [UInt8] = []
    package var bytesOffset = 0
    package var file: FileRegion?
    package var fileSent = 0
    /// Only an interim response: once written, the connection goes on reading the request.
    package private(set) var isInterim = false

    /// A final response's write.
    /// - Parameters:
    ///   - head: The encoded response head.
    ///   - earlier: Output still pending from before (an interim response); its unwritten bytes
    ///     go first.
    package init(head: [UInt8], after earlier: PendingWrite? = nil) {
        if let earlier, earlier.headOffset < earlier.head.count {
            self.head = Array(earlier.head[earlier.headOffset...]) + head
        } else {
            self.head = head
        }
    }

    /// An interim response's write.
    /// - Parameter interim: The whole encoded interim response.
    package init(interim: [UInt8]) {
        self.head = interim
        self.isInterim = true
    }

    package mutating func advance(by count: Int) {
        let fromHead = min(count, head.count - headOffset)
        headOffset += fromHead
        bytesOffset += count - fromHead
    }
}
