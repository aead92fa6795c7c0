import Foundation
import Testing
import TestSupport

/// The real binary under a low open-file limit (`prlimit --nofile`): a start-up warning, 503 (not
/// 404) for a static file not yet in memory while descriptors are exhausted, and one log line
/// when accepting pauses and one when it resumes, however often it retried.
@Suite(.serialized) struct FileDescriptorExhaustionTests {
    private func waitFor(_ text: String, in output: () -> String) -> Bool {
        for _ in 0..<2000 {
            if output().contains(text) { return true }
            usleep(5_000)
        }
        return output().contains(text)
    }

    @Test func outOfDescriptorsAnswers503AndLogsThePauseOnce() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        server.launcher = ["/usr/bin/prlimit", "--nofile=64:64", "--"]
        let tutorial = server.directory + "/TUTORIAL.md"
        try Data("# Walkthrough\n\nRead me.\n".utf8).write(to: URL(fileURLWithPath: tutorial))
        try server.start(environment: ["EVENT_LOOPS": "1", "TUTORIAL_PATH": tutorial])
        // The warning leaves through the stderr writer thread: it may land after the
        // `listening` line on stdout, which is what start() waited for.
        #expect(waitFor("MAX_CONNECTIONS=4096 needs about", in: { server.standardError }))
        #expect(server.standardError.contains("the open-file limit is 64 (hard limit 64)"))

        // Accepted while descriptors remain; kept alive for the requests below.
        let kept = try TestClient(port: server.port)
        #expect(try kept.get("/style.css").status == 200)

        // More connections than the server has descriptors left: it accepts until EMFILE.
        var crowd: [TestClient] = []
        for _ in 0..<80 { crowd.append(try TestClient(port: server.port)) }
        #expect(waitFor("accept failed; pausing accepts", in: { server.standardError }))

        // A file read before is answered from memory, and needs no descriptor; one not read yet
        // does: 503, not 404.
        #expect(try kept.get("/style.css").status == 200)
        let busy = try kept.get("/favicon.svg")
        #expect(busy.status == 503)
        #expect(busy.header("Retry-After") == "1")
        // The walkthrough, not yet rendered, needs a descriptor to read its file: 503 too.
        let busyTutorial = try kept.get("/tutorial")
        #expect(busyTutorial.status == 503)
        #expect(busyTutorial.header("Retry-After") == "1")

        // Descriptors come back: accepting resumes, and the whole pause was two lines in all.
        crowd.removeAll()
        #expect(waitFor("accepting again", in: { server.standardOutput }))
        #expect(try kept.get("/favicon.svg").status == 200)
        #expect(try kept.get("/tutorial").status == 200)
        server.stop()
        let pauses = server.standardError.components(separatedBy: "accept failed; pausing accepts").count - 1
        let resumes = server.standardOutput.components(separatedBy: "accepting again").count - 1
        #expect(pauses == 1)
        #expect(resumes == 1)
    }

    @Test func softLimitIsRaisedTowardTheHardLimitAtStartUp() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        server.launcher = ["/usr/bin/prlimit", "--nofile=64:4000", "--"]
        try server.start(environment: ["EVENT_LOOPS": "1", "MAX_CONNECTIONS": "1000"])
        // 1000 connections x 2 + a reserve of 35: raised that far, not to the hard limit.
        #expect(server.standardOutput.contains("raised the open-file limit from=64 to=2035"))
        server.stop()
        #expect(!server.standardError.contains("MAX_CONNECTIONS="))
    }
}
