#if PostgreSQL
import Foundation
import Testing
import TestSupport

/// The test PostgreSQL must not keep the test process's descriptors: its postmaster outlives the
/// command that started it, and a pipe end it holds never reaches end-of-file for the test that
/// reads it (that hung the password-file test of `PostgresServerTests`).
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs PostgreSQL's binaries"))
struct PostgresTestServerTests {
    @Test func postmasterInheritsNoDescriptorOpenInTheTestProcess() throws {
        // A pipe as Foundation's `Pipe` makes it: plain pipe(), not close-on-exec.
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        defer { for end in ends { close(end) } }
        let ours = try Set(ends.map { "pipe:[\(try inode(of: $0))]" })

        let server = try PostgresTestServer()
        defer { server.remove() }
        let pidFile = try String(contentsOfFile: server.directory + "/cluster/data/postmaster.pid", encoding: .utf8)
        let postmaster = try #require(pidFile.split(separator: "\n").first.map(String.init))
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(postmaster)/fd")
        #expect(!descriptors.isEmpty)
        let targets = descriptors.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(postmaster)/fd/\($0)") }
        #expect(targets.count == descriptors.count, "every descriptor of the postmaster could be read")
        #expect(ours.isDisjoint(with: targets), "the postmaster holds the test's pipe: \(targets.sorted())")
    }

    private func inode(of descriptor: Int32) throws -> UInt {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw PostgresTestServerError("fstat: errno \(errno)") }
        return UInt(status.st_ino)
    }
}
#endif
