import Foundation
import Testing
import TestSupport

/// The real binary refuses to start, with one line on stderr and its exit status, when a setting or a resource cannot be used.
@Suite(.serialized) struct StartUpFailureTests {
    /// End to end, from the environment and from a flag; every setting's checks are
    /// ServeSettingsTests', in process.
    @Test(arguments: [
        (["PORT": "abc"], [String](), "PORT (--port) must be an integer from 0 to 65535; got \"abc\""),
        ([:], ["--log-format", "xml"], "LOG_FORMAT (--log-format) must be one of text, json"),
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
}
