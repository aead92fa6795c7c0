import Foundation
import Testing
import TestSupport

/// Tests of the real `demo-server` binary: configuration errors, start-up failures, signals,
/// durability across a SIGKILL, concurrency over real sockets, the healthcheck subcommand, logs.
@Suite(.serialized) struct DemoServerTests {
    @Test(arguments: [
        (["PORT": "abc"], [String](), "PORT (--port) must be an integer from 0 to 65535; got \"abc\""),
        ([:], ["--port", "70000"], "PORT (--port)"),
        (["HOST": "localhost"], [], "HOST (--host) must be an IPv4 or IPv6 address"),
        (["LOG_FORMAT": "xml"], [], "LOG_FORMAT (--log-format) must be one of text, json"),
        (["LOG_LEVEL": "loud"], [], "LOG_LEVEL (--log-level)"),
        (["IMAGE_VARIANT": "Not Valid!"], [], "IMAGE_VARIANT (--image-variant)"),
        (["SHUTDOWN_TIMEOUT": "-1"], [], "SHUTDOWN_TIMEOUT (--shutdown-timeout)"),
        (["IDLE_TIMEOUT": "0"], [], "IDLE_TIMEOUT (--idle-timeout)"),
        (["EVENT_LOOPS": "many"], [], "EVENT_LOOPS (--event-loops)"),
        (["MAX_BODY_SIZE": "-5"], [], "MAX_BODY_SIZE (--max-body-size)"),
        (["ACCESS_LOG": "maybe"], [], "ACCESS_LOG (--access-log)"),
    ])
    func badConfigurationStopsWithOneLineAndExit64(environment: [String: String], arguments: [String], message: String) throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let status = try server.runToExit(arguments, environment: environment)
        #expect(status == 64)
        let lines = server.standardError.split(separator: "\n")
        #expect(lines.count == 1, "one line, got: \(server.standardError)")
        #expect(server.standardError.contains(message))
    }

    @Test func unwritableDatabaseFailsAtStartUpWithOneLine() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let notADirectory = server.directory + "/file"
        #expect(FileManager.default.createFile(atPath: notADirectory, contents: Data("x".utf8)))
        let status = try server.runToExit([], environment: ["PORT": "0", "DATABASE_PATH": notADirectory + "/visits.sqlite"])
        #expect(status == 1)
        #expect(server.standardError.split(separator: "\n").count == 1)
        #expect(server.standardError.contains(notADirectory))
    }

    @Test(
        .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "switching users needs root and setpriv"))
    func unwritableDatabaseDirectoryNamesTheDirectoryAndTheUser() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let directory = server.directory + "/owned-by-root"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        server.launcher = ["/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]
        let status = try server.runToExit([], environment: ["PORT": "0", "DATABASE_PATH": directory + "/visits.sqlite"])
        #expect(status == 1)
        #expect(server.standardError.split(separator: "\n").count == 1)
        #expect(server.standardError.contains("directory '\(directory)' is not writable by uid 65534, gid 65534 (Permission denied)"))
    }

    @Test func missingPublicDirectoryFailsAtStartUp() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let status = try server.runToExit(
            [], environment: ["PORT": "0", "DATABASE_PATH": server.databasePath, "PUBLIC_DIR": "/nonexistent/public"])
        #expect(status == 1)
        #expect(server.standardError.contains("PUBLIC_DIR (--public-dir) '/nonexistent/public' cannot be served: No such file or directory"))
    }

    @Test func helpAndVersion() throws {
        let version = try ServerProcess()
        defer { version.cleanUp() }
        #expect(try version.runToExit(["--version"]) == 0)
        // The first line is the release (scripts read it); VersionOutputTests checks the rest.
        let release = version.standardOutput.split(separator: "\n").first.map(String.init) ?? ""
        #expect(release.split(separator: ".").count == 3)
        let help = try ServerProcess()
        defer { help.cleanUp() }
        #expect(try help.runToExit(["serve", "--help"]) == 0)
        for setting in ["PORT", "DATABASE_PATH", "PUBLIC_DIR", "IMAGE_VARIANT", "LOG_FORMAT", "SHUTDOWN_TIMEOUT"] {
            #expect(help.standardOutput.contains(setting))
        }
    }

    @Test func servesThePageAndStopsCleanlyOnSIGTERM() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start(environment: ["IMAGE_VARIANT": "testing"])
        let page = try TestClient.get(port: server.port, "/")
        #expect(page.status == 200)
        #expect(page.text.contains("<span class=\"badge\">testing</span>"))
        #expect(try TestClient.get(port: server.port, "/basic").text == "Just a basic route, nothing here!")
        #expect(try TestClient.get(port: server.port, "/style.css").header("content-type") == "text/css; charset=utf-8")
        #expect(server.stop(signal: SIGTERM) == 0)
        #expect(server.standardOutput.contains("stopped cleanly"))
        #expect(server.standardError.isEmpty, "no errors on a clean stop: \(server.standardError)")
    }

    @Test func drainClosesConnectionsOnceTheirResponseIsOutAndExitsBeforeTheDeadline() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let publicDirectory = server.directory + "/public"
        try FileManager.default.createDirectory(atPath: publicDirectory, withIntermediateDirectories: true)
        let size = 4 * 1024 * 1024
        try Data(repeating: 0x61, count: size).write(to: URL(fileURLWithPath: publicDirectory + "/big.bin"))
        // A deadline far beyond every wait here: only the drain itself can end the process in time.
        try server.start(environment: ["PUBLIC_DIR": publicDirectory, "SHUTDOWN_TIMEOUT": "300"])

        let idle = try TestClient(port: server.port)
        try idle.send("GET /basic HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try idle.read(atLeast: 1).count > 0)
        let busy = try TestClient(port: server.port, receiveBufferSize: 4096)
        try busy.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        var received = try busy.read(atLeast: 1024)  // The response is in flight, far from done.

        kill(server.process.processIdentifier, SIGTERM)
        // The idle keep-alive connection is closed at once; the busy one gets its whole response,
        // then is closed too.
        _ = try idle.waitForClose(timeout: .seconds(30))
        received += try busy.waitForClose(timeout: .seconds(60)).bytes
        let headEnd = try #require(received.firstRange(of: Array("\r\n\r\n".utf8)))
        #expect(received.count - headEnd.upperBound == size)
        #expect(server.stop(timeout: 60) == 0)
        #expect(!server.standardOutput.contains("shutdown deadline passed"))
        #expect(!server.standardError.contains("shutdown deadline passed"))
        #expect(server.standardOutput.contains("stopped cleanly"))
    }

    @Test func sigintStopsCleanlyToo() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        #expect(server.stop(signal: SIGINT) == 0)
    }

    @Test func acknowledgedVisitsSurviveSIGKILL() throws {
        let first = try ServerProcess()
        defer { first.cleanUp() }
        try first.start()
        let acknowledged = 40
        for index in 1...acknowledged {
            let response = try TestClient.post(port: first.port, "/api/visits", json: "{\"variant\":\"crash\"}")
            #expect(response.status == 201)
            #expect(response.text.contains("\"total\":\(index)"))
        }
        // No shutdown, no checkpoint: the process is killed right after the last acknowledgement.
        #expect(first.stop(signal: SIGKILL) == SIGKILL)

        let second = try ServerProcess(directory: first.directory)
        try second.start()
        defer { second.stop(signal: SIGKILL) }
        let counts = try TestClient.get(port: second.port, "/api/visits")
        #expect(counts.text == "{\"total\":\(acknowledged),\"byVariant\":{\"crash\":\(acknowledged)}}\n")
    }

    @Test func twoHundredConcurrentPostsCountExactly() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start(environment: ["ACCESS_LOG": "off"])
        let port = server.port
        let before = try TestClient.get(port: port, "/api/visits")
        #expect(before.text.hasPrefix("{\"total\":0,"))
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    try await Task.detached { try TestClient.post(port: port, "/api/visits", json: "{}").status }.value
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.count == 200)
        #expect(statuses.allSatisfy { $0 == 201 })
        let after = try TestClient.get(port: port, "/api/visits")
        #expect(after.text.hasPrefix("{\"total\":200,"))
    }

    @Test func nothingOutsidePublicIsServedOverTheWire() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        for target in ["/../Package.swift", "/%2e%2e/Package.swift", "/%252e%252e/Package.swift", "/..%2f..%2fetc%2fpasswd", "/.gitignore", "/%2egitignore", "/style.css%00", "/..\\Package.swift"] {
            let response = try TestClient.get(port: server.port, target)
            #expect(response.status == 404 || response.status == 400, "\(target) answered \(response.status)")
            #expect(!response.text.contains("PackageDescription"))
        }
    }

    @Test func healthcheckSubcommandReportsUpAndDown() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        let up = try ServerProcess()
        defer { up.cleanUp() }
        #expect(try up.runToExit(["healthcheck"], environment: ["PORT": "\(server.port)"]) == 0)
        let port = server.port
        server.stop()
        let down = try ServerProcess()
        defer { down.cleanUp() }
        #expect(try down.runToExit(["healthcheck", "--port", "\(port)", "--timeout", "1"]) == 1)
        #expect(down.standardError.contains("healthcheck:"))
    }

    @Test func accessLogIsOneJSONLinePerRequest() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start(environment: ["LOG_FORMAT": "json"])
        _ = try TestClient.get(port: server.port, "/basic", headers: ["User-Agent": "log-test \"quoted\""])
        _ = try TestClient.get(port: server.port, "/nope")
        server.stop()
        let accessLines = server.standardOutput.split(separator: "\n").filter { $0.contains("\"logger\":\"access\"") }
        #expect(accessLines.count == 2)
        for line in server.standardOutput.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["timestamp"] as? String != nil, "every line is a JSON object: \(line)")
        }
        let first = try #require(try JSONSerialization.jsonObject(with: Data(accessLines[0].utf8)) as? [String: Any])
        #expect(first["status"] as? String == "200")
        #expect(first["path"] as? String == "/basic")
        #expect(first["user_agent"] as? String == "log-test \"quoted\"")
        #expect((first["timestamp"] as? String)?.hasSuffix("Z") == true)
    }
}
