import Foundation
import HTTPServer
import Testing
import TestSupport

@testable import DemoApp

@Suite struct StaticFileServerTests {
    private func withRoot(_ body: (String, StaticFileServer) throws -> Void) throws {
        let base = try TemporaryDirectory(prefix: "static-tests-")
        defer { base.remove() }
        let root = base.appending("Public")
        try FileManager.default.createDirectory(atPath: root + "/css", withIntermediateDirectories: true)
        try Data("body{}\n".utf8).write(to: URL(fileURLWithPath: root + "/css/site.css"))
        try Data("<svg/>".utf8).write(to: URL(fileURLWithPath: root + "/icon.svg"))
        try Data("SECRET=1\n".utf8).write(to: URL(fileURLWithPath: root + "/.env"))
        try Data("outside\n".utf8).write(to: URL(fileURLWithPath: base.appending("outside.txt")))
        try FileManager.default.createSymbolicLink(atPath: root + "/escape.txt", withDestinationPath: base.appending("outside.txt"))
        try FileManager.default.createSymbolicLink(atPath: root + "/escape-dir", withDestinationPath: base.path)
        try FileManager.default.createSymbolicLink(atPath: root + "/alias.css", withDestinationPath: root + "/css/site.css")
        // Relative links: one that climbs out, and one that stays inside.
        try FileManager.default.createSymbolicLink(atPath: root + "/css/climb.txt", withDestinationPath: "../../outside.txt")
        try FileManager.default.createSymbolicLink(atPath: root + "/relative-alias.css", withDestinationPath: "css/site.css")
        try body(root, try StaticFileServer(directory: root, commonHeaders: [:]))
    }

    private func get(_ server: StaticFileServer, _ path: String, headers: HTTPHeaders = [:]) -> HTTPResponse? {
        server.response(for: HTTPRequest(method: .get, target: path, headers: headers))
    }

    @Test func servesFilesWithTypeAndValidators() throws {
        try withRoot { _, server in
            let response = try #require(get(server, "/css/site.css"))
            #expect(response.status == .ok)
            #expect(response.text == "body{}\n")
            #expect(response.headers["Content-Type"] == "text/css; charset=utf-8")
            #expect(response.headers["ETag"]?.hasPrefix("\"") == true)
            #expect(response.headers["Last-Modified"]?.hasSuffix(" GMT") == true)
            #expect(response.headers["Cache-Control"] == "no-cache")
            #expect(get(server, "/icon.svg")?.headers["Content-Type"] == "image/svg+xml")
        }
    }

    @Test func refusesEverythingOutsideOrHidden() throws {
        try withRoot { _, server in
            for path in ["/escape.txt", "/escape-dir/outside.txt", "/.env", "/%2e%2e/outside.txt", "/css", "/css/", "/missing.txt", "/css/..%2f..%2foutside.txt", "/css/climb.txt"] {
                #expect(get(server, path) == nil, "\(path) must not be served")
            }
        }
    }

    @Test func followsSymlinksThatStayInside() throws {
        try withRoot { _, server in
            #expect(get(server, "/alias.css")?.text == "body{}\n")
            #expect(get(server, "/relative-alias.css")?.text == "body{}\n")
        }
    }

    @Test func refusesACachedFileSwappedForASymlinkLeadingOutside() throws {
        try withRoot { root, server in
            let outside = URL(fileURLWithPath: root).deletingLastPathComponent().path
            #expect(get(server, "/icon.svg")?.text == "<svg/>")
            try FileManager.default.removeItem(atPath: root + "/icon.svg")
            try FileManager.default.createSymbolicLink(atPath: root + "/icon.svg", withDestinationPath: outside + "/outside.txt")
            #expect(get(server, "/icon.svg") == nil)
        }
    }

    @Test func refusesACachedFileWhoseDirectoryIsSwappedForASymlinkLeadingOutside() throws {
        try withRoot { root, server in
            let outside = URL(fileURLWithPath: root).deletingLastPathComponent().appendingPathComponent("elsewhere").path
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            try Data("body{}\n".utf8).write(to: URL(fileURLWithPath: outside + "/site.css"))
            #expect(get(server, "/css/site.css")?.text == "body{}\n")
            try FileManager.default.moveItem(atPath: root + "/css", toPath: root + "/css-old")
            try FileManager.default.createSymbolicLink(atPath: root + "/css", withDestinationPath: outside)
            #expect(get(server, "/css/site.css") == nil)
        }
    }

    @Test func followsASymlinkInsideThatReplacesACachedFile() throws {
        try withRoot { root, server in
            #expect(get(server, "/icon.svg")?.text == "<svg/>")
            try FileManager.default.removeItem(atPath: root + "/icon.svg")
            try FileManager.default.createSymbolicLink(atPath: root + "/icon.svg", withDestinationPath: "css/site.css")
            #expect(get(server, "/icon.svg")?.text == "body{}\n")
            #expect(get(server, "/icon.svg")?.text == "body{}\n")
        }
    }

    @Test func answersNotModifiedFromTheCacheWithAFieldNameInAnyCase() throws {
        try withRoot { _, server in
            let etag = try #require(get(server, "/css/site.css")?.headers["ETag"])
            #expect(get(server, "/css/site.css", headers: ["if-none-match": etag])?.status == .notModified)
            #expect(get(server, "/css/site.css", headers: ["IF-NONE-MATCH": etag])?.status == .notModified)
            #expect(get(server, "/css/site.css", headers: ["If-Range": etag, "X-If": "1"])?.status == .ok)
        }
    }

    @Test func answersNotModifiedToMatchingValidators() throws {
        try withRoot { _, server in
            let first = try #require(get(server, "/css/site.css"))
            let etag = try #require(first.headers["ETag"])
            let lastModified = try #require(first.headers["Last-Modified"])
            #expect(get(server, "/css/site.css", headers: ["If-None-Match": etag])?.status == .notModified)
            #expect(get(server, "/css/site.css", headers: ["If-None-Match": "W/\(etag)"])?.status == .notModified)
            #expect(get(server, "/css/site.css", headers: ["If-None-Match": "\"other\", \(etag)"])?.status == .notModified)
            #expect(get(server, "/css/site.css", headers: ["If-None-Match": "*"])?.status == .notModified)
            #expect(get(server, "/css/site.css", headers: ["If-None-Match": "\"other\""])?.status == .ok)
            #expect(get(server, "/css/site.css", headers: ["If-Modified-Since": lastModified])?.status == .notModified)
            #expect(get(server, "/css/site.css", headers: ["If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"])?.status == .ok)
            // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
            #expect(get(server, "/css/site.css", headers: ["If-None-Match": "\"other\"", "If-Modified-Since": lastModified])?.status == .ok)
            #expect(get(server, "/css/site.css", headers: ["If-Modified-Since": "not a date"])?.status == .ok)
            let notModified = try #require(get(server, "/css/site.css", headers: ["If-None-Match": etag]))
            #expect(notModified.body.count == 0)
            #expect(notModified.headers["ETag"] == etag)
        }
    }

    /// Headers with each (name, value) as its own field line, repeats included.
    private func lines(_ fields: [(String, String)]) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for (name, value) in fields { headers.add(name, value) }
        return headers
    }

    @Test func ifMatchAndIfUnmodifiedSinceFailWith412() throws {
        try withRoot { _, server in
            let first = try #require(get(server, "/css/site.css"))
            let etag = try #require(first.headers["ETag"])
            let lastModified = try #require(first.headers["Last-Modified"])
            let old = "Sun, 06 Nov 1994 08:49:37 GMT"
            func status(_ fields: [(String, String)]) -> Int? { get(server, "/css/site.css", headers: lines(fields))?.status.code }
            #expect(status([("If-Match", etag)]) == 200)
            #expect(status([("If-Match", "*")]) == 200)
            #expect(status([("If-Match", "\"other\"")]) == 412)
            // Strong comparison: a weak tag never matches If-Match (RFC 9110 §13.1.1).
            #expect(status([("If-Match", "W/\(etag)")]) == 412)
            #expect(status([("If-Match", "\"other\""), ("If-Match", etag)]) == 200)
            #expect(status([("If-Match", "not-a-tag")]) == 412)
            #expect(status([("If-Unmodified-Since", old)]) == 412)
            #expect(status([("If-Unmodified-Since", lastModified)]) == 200)
            #expect(status([("If-Unmodified-Since", "not a date")]) == 200)
            // If-Match present: If-Unmodified-Since is not evaluated (§13.2.2 step 2).
            #expect(status([("If-Match", etag), ("If-Unmodified-Since", old)]) == 200)
            // If-Match fails first, before If-None-Match could give 304 (§13.2.2).
            #expect(status([("If-Match", "\"other\""), ("If-None-Match", etag)]) == 412)
            let failed = try #require(get(server, "/css/site.css", headers: ["If-Match": "\"other\""]))
            #expect(failed.body.count == 0)
            #expect(failed.headers["ETag"] == etag)
        }
    }

    @Test func conditionalFieldsAreReadFromEveryFieldLine() throws {
        try withRoot { _, server in
            let first = try #require(get(server, "/css/site.css"))
            let etag = try #require(first.headers["ETag"])
            let lastModified = try #require(first.headers["Last-Modified"])
            func status(_ fields: [(String, String)]) -> Int? { get(server, "/css/site.css", headers: lines(fields))?.status.code }
            // A list split over two lines is one list (RFC 9110 §5.3).
            #expect(status([("If-None-Match", "\"other\""), ("If-None-Match", etag)]) == 304)
            #expect(status([("If-None-Match", "\"a,b\", \(etag)")]) == 304)
            #expect(status([("If-None-Match", "\"a,b\"")]) == 200)
            // A repeated or listed If-Modified-Since is ignored (§13.1.3), not read from its first line.
            #expect(status([("If-Modified-Since", lastModified), ("If-Modified-Since", lastModified)]) == 200)
            #expect(status([("If-Modified-Since", "\(lastModified), \(lastModified)")]) == 200)
            // If-None-Match present: If-Modified-Since is not evaluated, even when it alone would give 304.
            #expect(status([("If-None-Match", "\"other\""), ("If-Modified-Since", lastModified)]) == 200)
        }
    }

    @Test func notModifiedIsOnlyForGetAndHead() throws {
        try withRoot { _, server in
            let first = try #require(get(server, "/css/site.css"))
            let etag = try #require(first.headers["ETag"])
            let lastModified = try #require(first.headers["Last-Modified"])
            let head = server.response(for: HTTPRequest(method: .head, target: "/css/site.css", headers: ["If-None-Match": etag]))
            #expect(head?.status == .notModified)
            let post = HTTPRequest(method: .post, target: "/css/site.css", headers: ["If-None-Match": etag])
            #expect(ConditionalRequest.evaluate(post, etag: etag, modifiedSeconds: 0) == .preconditionFailed)
            let postSince = HTTPRequest(method: .post, target: "/css/site.css", headers: ["If-Modified-Since": lastModified])
            #expect(ConditionalRequest.evaluate(postSince, etag: etag, modifiedSeconds: 0) == .proceed)
        }
    }

    @Test func documentsThatCouldRunScriptsCarryAPolicyWithoutScripts() throws {
        try withRoot { root, server in
            try Data("<html><script>alert(1)</script></html>".utf8).write(to: URL(fileURLWithPath: root + "/page.html"))
            for path in ["/icon.svg", "/page.html"] {
                let policy = try #require(get(server, path)?.headers["Content-Security-Policy"], "\(path)")
                #expect(policy.hasPrefix("default-src 'none'"), "\(path)")
                #expect(!policy.contains("script-src"), "\(path)")
            }
            #expect(get(server, "/css/site.css")?.headers["Content-Security-Policy"] == nil)
        }
    }

    @Test func seesChangedFilesAtOnce() throws {
        try withRoot { root, server in
            #expect(get(server, "/css/site.css")?.text == "body{}\n")
            try Data("body{color:red}\n".utf8).write(to: URL(fileURLWithPath: root + "/css/site.css"))
            #expect(get(server, "/css/site.css")?.text == "body{color:red}\n")
        }
    }

    @Test func seesAFileRewrittenWithItsSizeAndModificationTimeKept() throws {
        try withRoot { root, server in
            let path = root + "/css/site.css"
            #expect(get(server, "/css/site.css")?.text == "body{}\n")
            var before = stat()
            #expect(stat(path, &before) == 0)
            // Same inode, same size, the modification time set back: only the change time
            // (which no one can set back) tells the cached copy is stale.
            let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try file.write(contentsOf: Data("body{}/".utf8))
            try file.close()
            var times = [before.st_atim, before.st_mtim]
            #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
            var after = stat()
            #expect(stat(path, &after) == 0)
            #expect(FileIdentity(after) == FileIdentity(before))
            #expect(get(server, "/css/site.css")?.text == "body{}/")
        }
    }

    @Test func answersEachCachedFileByItsOwnPathPlainOrEncoded() throws {
        try withRoot { root, server in
            try Data("one\n".utf8).write(to: URL(fileURLWithPath: root + "/a.txt"))
            try Data("two\n".utf8).write(to: URL(fileURLWithPath: root + "/b.txt"))
            // Twice round: the first reads and caches each file, the second answers from the cache.
            for _ in 0..<2 {
                #expect(get(server, "/a.txt")?.text == "one\n")
                #expect(get(server, "/b.txt")?.text == "two\n")
                #expect(get(server, "/%61.txt")?.text == "one\n")
                #expect(get(server, "/css/sit%65.css")?.text == "body{}\n")
                #expect(get(server, "/css/site.css")?.text == "body{}\n")
                #expect(get(server, "/c.txt") == nil)
                #expect(get(server, "/a.txt/") == nil)
            }
        }
    }

    @Test func streamsLargeFilesFromDisk() throws {
        try withRoot { root, server in
            let size = StaticFileServer.memoryCacheFileLimit + 1
            try Data(repeating: 0x61, count: size).write(to: URL(fileURLWithPath: root + "/big.bin"))
            let response = try #require(get(server, "/big.bin"))
            guard case .file(let region) = response.body else {
                Issue.record("a large file should stream with sendfile")
                return
            }
            #expect(region.length == size)
            #expect(response.headers["Content-Type"] == "application/octet-stream")
        }
    }

    @Test func refusesAMissingRoot() {
        #expect(throws: StaticFileServerError.self) { try StaticFileServer(directory: "/nonexistent/public", commonHeaders: [:]) }
    }

    @Test(arguments: [
        ("index.html", "text/html; charset=utf-8"), ("a/b.JS", "text/javascript; charset=utf-8"),
        ("x.png", "image/png"), ("x.woff2", "font/woff2"), ("x.json", "application/json"),
        ("noextension", "application/octet-stream"), ("dir.d/file", "application/octet-stream"),
    ])
    func mediaTypes(path: String, expected: String) {
        #expect(MediaTypes.contentType(forPath: path) == expected)
    }
}
