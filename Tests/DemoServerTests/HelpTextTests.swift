import Testing

@testable import demo_server

/// The help texts, in process: every setting with its variable, flag and default, and the
/// headings every topic starts with.
@Suite struct HelpTextTests {
    /// Wrapped lines rejoined: any run of spaces and newlines is one space.
    private static let serveText = HelpText.serve.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")

    @Test(arguments: Setting.allCases)
    func serveHelpListsTheSettingWithItsVariableFlagAndDefault(setting: Setting) {
        #expect(Self.serveText.contains("--\(setting.flagName) <value>"))
        if setting.defaultValue.isEmpty {
            #expect(Self.serveText.contains("[env: \(setting.environmentName)]"))
        } else {
            #expect(Self.serveText.contains("[env: \(setting.environmentName), default: \(setting.defaultValue)]"))
        }
    }

    @Test func serveHelpShowsTheDefaultsReadersLookFor() {
        for (variable, value) in [
            ("PORT", "8080"), ("DATABASE_PATH", "data/visits.sqlite"), ("MAX_CONNECTIONS", "4096"),
            ("MIN_RESPONSE_RATE_GRACE", "5"), ("LOG_BUFFER_LINES", "8192"), ("MAX_VARIANTS", "256"),
        ] {
            #expect(Self.serveText.contains("env: \(variable), default: \(value)"), "\(variable)")
        }
    }

    @Test(arguments: [Invocation.HelpTopic.root, .serve, .healthCheck])
    func everyTopicStartsWithItsOverviewAndUsage(topic: Invocation.HelpTopic) {
        let text = HelpText.text(for: topic)
        #expect(text.hasPrefix("OVERVIEW: "))
        #expect(text.contains("USAGE: demo-server"))
    }
}
