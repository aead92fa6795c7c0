import Foundation
import Testing

/// The real binary under a low open-file limit (`prlimit --nofile`): a start-up warning, 503 (not
/// 404) for a static file while descriptors are exhausted, and one log line when accepting pauses
/// and one when it resumes, however often it retried.
@Suite(.serialized) struct FileDescriptorExhaustionTests {
    /// A plain client socket to 127.0.0.1 that stays open (keep-alive).
    private final class Connection {
        let descriptor: Int32
        private var buffered: [UInt8] = []

        init(port: Int) throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw ServerProcessError("socket failed") }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(descriptor)
                throw ServerProcessError("connect failed: errno \(errno)")
            }
        }

        deinit { close(descriptor) }

        /// Sends a keep-alive GET and reads the response head and its Content-Length body.
        func get(_ path: String) throws -> (status: Int, head: String) {
            let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
            guard request.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
                throw ServerProcessError("send failed")
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            for _ in 0..<10_000 {
                let text = String(decoding: buffered, as: UTF8.self)
                if let end = text.range(of: "\r\n\r\n") {
                    let head = String(text[..<end.lowerBound])
                    let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                        .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                    let headBytes = text[..<end.upperBound].utf8.count
                    if buffered.count >= headBytes + length {
                        buffered.removeFirst(headBytes + length)
                        let status = Int(head.split(separator: " ")[1]) ?? 0
                        return (status, head)
                    }
                }
                let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { throw ServerProcessError("connection ended: \(count) errno \(errno)") }
                buffered += chunk[..<count]
            }
            throw ServerProcessError("no complete response")
        }
    }

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
        let kept = try Connection(port: server.port)
        #expect(try kept.get("/style.css").status == 200)

        // More connections than the server has descriptors left: it accepts until EMFILE.
        var crowd: [Connection] = []
        for _ in 0..<80 { crowd.append(try Connection(port: server.port)) }
        #expect(waitFor("accept failed; pausing accepts", in: { server.standardError }))

        let busy = try kept.get("/style.css")
        #expect(busy.status == 503)
        #expect(busy.head.contains("Retry-After: 1"))
        // The walkthrough, not yet rendered, needs a descriptor to read its file: 503 too.
        let busyTutorial = try kept.get("/tutorial")
        #expect(busyTutorial.status == 503)
        #expect(busyTutorial.head.contains("Retry-After: 1"))

        // Descriptors come back: accepting resumes, and the whole pause was two lines in all.
        crowd.removeAll()
        #expect(waitFor("accepting again", in: { server.standardOutput }))
        #expect(try kept.get("/style.css").status == 200)
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
