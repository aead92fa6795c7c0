import Foundation
import Testing
import TestSupport

/// The command line of the real binary, end to end: what reaches stdout and stderr and the exit
/// status (64, EX_USAGE, for a command line that cannot be used). The grammar itself is tested
/// in process (InvocationTests, ServeSettingsTests, HelpTextTests).
@Suite(.serialized) struct CommandLineTests {
    /// End to end: a usage error and a bad setting each reach stderr as one line with exit 64.
    /// Every other case is parsed in process (InvocationTests, ServeSettingsTests).
    @Test(arguments: [
        (["serve", "--port", "--host", "::"], "--port needs a value"),
        (["serve", "--max-variants", "many"], "MAX_VARIANTS (--max-variants) must be an integer from 1 to 100000"),
    ])
    func unusableCommandLineStopsWithOneLineAndExit64(arguments: [String], message: String) throws {
        let process = try ServerProcess()
        defer { process.cleanUp() }
        #expect(try process.runToExit(arguments) == 64)
        let lines = process.standardError.split(separator: "\n")
        #expect(lines.count == 1, "one line, got: \(process.standardError)")
        #expect(process.standardError.contains(message), "got: \(process.standardError)")
        #expect(process.standardOutput.isEmpty)
    }

    @Test func bothOptionSpellingsWorkAndTheLastRepeatWins() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        // The environment says port 1 and variant "env"; the flags override both, the second
        // --image-variant overriding the first.
        try server.start(
            ["serve", "--port=0", "--image-variant", "first", "--image-variant=flagged"],
            environment: ["PORT": "1", "IMAGE_VARIANT": "env"])
        let page = try TestClient.get(port: server.port, "/")
        #expect(page.text.contains("<span class=\"badge\">flagged</span>"))
        #expect(server.stop(signal: SIGTERM) == 0)
    }

    @Test func serveIsTheDefaultSubcommand() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start(["--image-variant", "default-command"])
        #expect(try TestClient.get(port: server.port, "/").text.contains("<span class=\"badge\">default-command</span>"))
        #expect(server.stop(signal: SIGTERM) == 0)
    }

    /// End to end for two topics; which arguments ask for which topic is InvocationTests' job.
    @Test(arguments: [["--help"], ["help", "healthcheck"]])
    func helpExitsZeroOnStandardOutput(arguments: [String]) throws {
        let help = try ServerProcess()
        defer { help.cleanUp() }
        #expect(try help.runToExit(arguments) == 0)
        #expect(help.standardOutput.hasPrefix("OVERVIEW: "))
        #expect(help.standardOutput.contains("USAGE: demo-server"))
        #expect(help.standardError.isEmpty)
    }

    @Test func healthCheckTakesItsOptionsInBothSpellings() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        let probe = try ServerProcess()
        defer { probe.cleanUp() }
        #expect(try probe.runToExit(["healthcheck", "--port=\(server.port)", "--path", "/readyz", "--timeout=1.5"]) == 0)
        let missing = try ServerProcess()
        defer { missing.cleanUp() }
        #expect(try missing.runToExit(["healthcheck", "--port", "\(server.port)", "--path=/no-such-page"]) == 1)
        #expect(missing.standardError.contains("GET /no-such-page answered 404"))
        #expect(server.stop(signal: SIGTERM) == 0)
    }

    /// The server on IPv6 loopback, on the two wildcards, and on a specific IPv4 loopback address
    /// other than 127.0.0.1: the probe must reach it in every case.
    @Test(arguments: ["::1", "::", "127.0.0.1", "0.0.0.0", "127.0.0.2"])
    func healthCheckDialsTheAddressTheServerListensOn(host: String) throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start(environment: ["HOST": host])
        let probe = try ServerProcess()
        defer { probe.cleanUp() }
        let status = try probe.runToExit(["healthcheck", "--port", "\(server.port)"], environment: ["HOST": host])
        #expect(status == 0, "HOST=\(host): \(probe.standardError)")
        #expect(server.stop(signal: SIGTERM) == 0)
    }

    @Test func healthCheckRefusesAHostThatIsNotAnAddress() throws {
        let probe = try ServerProcess()
        defer { probe.cleanUp() }
        #expect(try probe.runToExit(["healthcheck", "--host", "localhost", "--port", "8080"]) == 64)
        #expect(probe.standardError.contains("HOST must be an IPv4 or IPv6 address"))
    }
}
