import Testing

@testable import demo_server

/// The command line's grammar, parsed in process: subcommands, both option spellings, the last
/// repeat winning, help and version, and one-line usage errors.
@Suite struct InvocationTests {
    private func parse(_ arguments: [String]) throws(Invocation.UsageError) -> Invocation {
        try Invocation.parse(arguments[...])
    }

    @Test func serveIsTheDefaultSubcommand() throws {
        #expect(try parse([]) == .serve(flags: [:]))
        #expect(try parse(["--image-variant", "x"]) == .serve(flags: [.imageVariant: "x"]))
        #expect(try parse(["serve", "--image-variant", "x"]) == .serve(flags: [.imageVariant: "x"]))
    }

    @Test func bothOptionSpellingsWorkAndTheLastRepeatWins() throws {
        let invocation = try parse(["serve", "--port=0", "--image-variant", "first", "--image-variant=flagged", "--public-dir", "a=b"])
        #expect(invocation == .serve(flags: [.port: "0", .imageVariant: "flagged", .publicDir: "a=b"]))
        // An empty value is a value; `=` splits at its first occurrence only.
        #expect(try parse(["--database-url="]) == .serve(flags: [.databaseUrl: ""]))
        #expect(try parse(["--database-url=postgres://u@h/d?x=y"]) == .serve(flags: [.databaseUrl: "postgres://u@h/d?x=y"]))
    }

    @Test(arguments: Setting.allCases)
    func everySettingIsAFlag(setting: Setting) throws {
        #expect(try parse(["--\(setting.flagName)", "v"]) == .serve(flags: [setting: "v"]))
    }

    @Test(arguments: [
        ([String](), Invocation.HelpTopic?.none),
        (["--help"], .root), (["-h"], .root), (["help"], .root), (["--port", "1", "--help"], .root),
        (["serve", "--help"], .serve), (["help", "serve"], .serve), (["serve", "--port", "1", "-h"], .serve),
        (["healthcheck", "--help"], .healthCheck), (["help", "healthcheck"], .healthCheck),
    ])
    func helpTopics(arguments: [String], topic: Invocation.HelpTopic?) throws {
        let invocation = try parse(arguments)
        if let topic {
            #expect(invocation == .help(topic))
        } else {
            #expect(invocation == .serve(flags: [:]))
        }
    }

    @Test func versionIsTheRootsOption() throws {
        #expect(try parse(["--version"]) == .version)
        // Under `serve` it is a setting that does not exist.
        #expect(throws: Invocation.UsageError.self) { try parse(["serve", "--version"]) }
    }

    @Test func healthCheckTakesItsOptionsInBothSpellings() throws {
        var expected = Invocation.HealthCheckOptions()
        expected.port = "8081"
        expected.host = "::1"
        expected.path = "/readyz"
        expected.timeout = 1.5
        #expect(try parse(["healthcheck", "--port=8081", "--host", "::1", "--path", "/readyz", "--timeout=1.5"]) == .healthCheck(expected))
        #expect(try parse(["healthcheck"]) == .healthCheck(Invocation.HealthCheckOptions()))
    }

    @Test(arguments: [
        (["--bogus", "1"], "unknown option --bogus (demo-server serve --help lists the settings)"),
        (["serve", "--port"], "--port needs a value"),
        (["serve", "--port", "--host", "::"], "--port needs a value"),
        (["stray"], "unexpected argument \"stray\" (demo-server serve --help lists the options)"),
        (["serve", "-p", "80"], "unexpected argument \"-p\" (demo-server serve --help lists the options)"),
        (["serve", "--"], "unexpected argument \"--\" (demo-server serve --help lists the options)"),
        (["healthcheck", "--timeout", "soon"], "--timeout must be a number of seconds above 0 and at most 3600; got \"soon\""),
        (["healthcheck", "--timeout", "0"], "--timeout must be a number of seconds above 0 and at most 3600; got \"0\""),
        (["healthcheck", "--verbose", "yes"], "unknown option --verbose (demo-server healthcheck --help lists its options)"),
        (["help", "everything"], "help takes serve or healthcheck; got \"everything\""),
        (["help", "serve", "now"], "help takes serve or healthcheck; got \"serve now\""),
    ])
    func unusableCommandLinesAreRefusedWithOneLine(arguments: [String], message: String) {
        #expect(throws: Invocation.UsageError(description: message)) { try parse(arguments) }
        #expect(!message.contains("\n"))
    }
}
