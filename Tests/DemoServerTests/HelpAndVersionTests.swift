import Foundation
import Testing
import TestSupport

/// `--version` and `serve --help` from the real binary: what scripts and readers rely on.
@Suite(.serialized) struct HelpAndVersionTests {
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
}
