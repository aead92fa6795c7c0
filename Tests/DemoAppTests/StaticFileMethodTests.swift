import Glibc
import HTTPServer
import Testing

@testable import DemoApp

/// A path that is no route answers GET and HEAD only, and any other method is refused before the
/// file is looked at: no open, no read, no cache entry for a request that cannot be served.
@Suite struct StaticFileMethodTests {
    @Test func postToAFileIsRefusedBeforeTheFileIsReadOrCached() async throws {
        let fixture = try DemoFixture(files: ["style.css": "body { color: black; }\n"])
        defer { fixture.close() }
        let refused = await fixture.application.response(to: HTTPRequest(method: .post, target: "/style.css"))
        #expect(refused.status == .methodNotAllowed)
        #expect(refused.headers["Allow"] == "GET, HEAD")
        // Same size, inode and modification time, so a copy the POST had cached would be
        // taken for current and served now instead of the new content.
        try Self.overwriteKeepingIdentity(fixture.publicDirectory + "/style.css", with: "body { color: white; }\n")
        #expect(await fixture.get("/style.css").text == "body { color: white; }\n")
    }

    @Test(arguments: ["/missing.css", "/.env", "/%2e%2e/data/visits.sqlite"])
    func postToNoFileGets405Too(target: String) async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let refused = await fixture.application.response(to: HTTPRequest(method: .post, target: target))
        #expect(refused.status == .methodNotAllowed)
        #expect(refused.headers["Allow"] == "GET, HEAD")
        #expect(await fixture.get(target).status == .notFound)
    }

    /// A body on a method no file answers is refused with that 405 from the head alone, before a
    /// byte of it is read; the same request without a body is left to the route (405, and the
    /// connection stays open).
    @Test(arguments: [("Content-Length", "5"), ("Transfer-Encoding", "chunked")])
    func aBodyOnAMethodNoFileAnswersIsRefusedWithTheFiles405(field: String, value: String) throws {
        let fixture = try DemoFixture(files: ["style.css": "body { color: black; }\n"])
        defer { fixture.close() }
        let withBody = HTTPRequest(method: .post, target: "/style.css", headers: [field: value])
        guard case .refuse(let refusal) = fixture.application.bodyPolicy(for: withBody) else {
            Issue.record("a POST with a body to a file was not refused from its head")
            return
        }
        #expect(refusal.status == .methodNotAllowed)
        #expect(refusal.headers["Allow"] == "GET, HEAD")
        let withoutBody = HTTPRequest(method: .post, target: "/style.css", headers: ["Content-Length": "0"])
        guard case .accept(let maxBytes, _) = fixture.application.bodyPolicy(for: withoutBody) else {
            Issue.record("a POST without a body to a file was refused from its head")
            return
        }
        #expect(maxBytes == 0)
    }

    /// Rewrites a file in place with content of the same length and puts its modification time
    /// back, so that its identity (device, inode, size, mtime) is unchanged.
    private static func overwriteKeepingIdentity(_ path: String, with text: String) throws {
        var before = stat()
        guard stat(path, &before) == 0 else { throw TestFailure("stat \(path): errno \(errno)") }
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw TestFailure("open \(path): errno \(errno)") }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard bytes.count == Int(before.st_size) else { throw TestFailure("the new content must keep the size") }
        guard pwrite(descriptor, bytes, bytes.count, 0) == bytes.count else { throw TestFailure("pwrite: errno \(errno)") }
        var times = [before.st_atim, before.st_mtim]
        guard futimens(descriptor, &times) == 0 else { throw TestFailure("futimens: errno \(errno)") }
    }

    private struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
