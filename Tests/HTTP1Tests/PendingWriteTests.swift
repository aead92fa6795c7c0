import Testing
import TestSupport

@testable import HTTP1

/// A short write of `100 Continue` must not lose its remaining bytes: they stay queued and go out
/// before the final response.
@Suite struct PendingWriteTests {
    private let interim = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    private let finalHead = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n".utf8)

    @Test func shortWriteOfTheInterimResponseKeepsTheRestQueued() {
        var write = PendingWrite(interim: interim)
        write.advance(by: 7)
        #expect(write.isInterim)
        #expect(write.unwrittenBytes == Array(interim[7...]))
        write.advance(by: interim.count - 7)
        #expect(write.unwrittenBytes.isEmpty)
    }

    @Test func finalResponseFollowsTheUnwrittenRestOfTheInterimResponse() {
        var earlier = PendingWrite(interim: interim)
        earlier.advance(by: 12)
        var write = PendingWrite(head: finalHead, after: earlier)
        write.bytes = Array("ok".utf8)
        #expect(!write.isInterim)
        #expect(write.unwrittenBytes == Array(interim[12...]) + finalHead + Array("ok".utf8))
    }

    @Test func fullyWrittenInterimResponseAddsNothingToTheFinalResponse() {
        var earlier = PendingWrite(interim: interim)
        earlier.advance(by: interim.count)
        let write = PendingWrite(head: finalHead, after: earlier)
        #expect(write.unwrittenBytes == finalHead)
    }
}
