import Foundation
import Testing
import TestSupport

/// The command line of the real binary: subcommands, both option spellings, help, version and
/// one-line usage errors with exit status 64 (EX_USAGE).
@Suite(.serialized) struct CommandLineTests {
    @Test(arguments: [
        (["--bogus", "1"], "unknown option --bogus"),
        (["serve", "--port"], "--port needs a value"),
        (["serve", "--port", "--host", "::"], "--port needs a value"),
        (["stray"], "unexpected argument \"stray\""),
        (["serve", "-p", "80"], "unexpected argument \"-p\""),
        (["healthcheck", "--timeout", "soon"], "--timeout must be a number of seconds"),
        (["healthcheck", "--verbose", "yes"], "unknown option --verbose"),
        (["help", "everything"], "help takes serve or healthcheck"),
        (["serve", "--max-variants", "0"], "MAX_VARIANTS"),
        (["serve", "--max-variants", "many"], "an integer from 1 to 100000"),
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

    @Test func serveHelpListsEverySettingWithItsVariableFlagAndDefault() throws {
        let help = try ServerProcess()
        defer { help.cleanUp() }
        #expect(try help.runToExit(["serve", "--help"]) == 0)
        let settings = [
            ("PORT", "--port", "8080"), ("DATABASE_PATH", "--database-path", "data/visits.sqlite"),
            ("MAX_CONNECTIONS", "--max-connections", "4096"), ("MIN_RESPONSE_RATE_GRACE", "--min-response-rate-grace", "5"),
            ("LOG_BUFFER_LINES", "--log-buffer-lines", "8192"), ("MAX_VARIANTS", "--max-variants", "256"),
        ]
        // Wrapped lines rejoined: any run of spaces and newlines is one space.
        let text = help.standardOutput.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        for (variable, flag, value) in settings {
            #expect(help.standardOutput.contains(flag))
            #expect(text.contains("env: \(variable), default: \(value)"), "\(variable)")
        }
        #expect(help.standardError.isEmpty)
    }

    @Test(arguments: [["--help"], ["-h"], ["help"], ["help", "serve"], ["healthcheck", "--help"], ["help", "healthcheck"]])
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
