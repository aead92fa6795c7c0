import DemoApp
import Testing

/// `demo-server --version` of the real binary: the release, then what is linked in, with the
/// versions the SBOM lists (scripts/test-supply-chain.sh compares the two for the images).
@Suite struct VersionOutputTests {
    @Test func versionNamesTheReleaseAndEveryLinkedComponent() throws {
        let process = try ServerProcess()
        defer { process.cleanUp() }
        #expect(try process.runToExit(["--version"]) == 0)
        let lines = process.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first == DemoVersion.current)
        #expect(lines.contains("swift \(BuildInfo.swiftToolchainVersion)"))
        // BuildInfoTests checks these against the pins in Package.swift.
        #expect(BuildInfo.packages.map(\.identity).sorted() == ["swift-log"])
        for package in BuildInfo.packages {
            #expect(lines.contains("\(package.identity) \(package.version)"))
        }
        #expect(lines.contains { $0.hasPrefix("sqlite 3.") })
        #expect(lines.contains { $0.hasPrefix("glibc 2.") })
        #if PostgreSQL
        // The C client and its TLS library report themselves, as SQLite does.
        #expect(lines.contains("libpq \(BuildInfo.libpqVersion)"))
        #expect(lines.contains("openssl \(BuildInfo.openSSLVersion)"))
        #expect(lines.contains { $0.hasPrefix("libpq 1") })
        #expect(lines.contains { $0.hasPrefix("openssl 3.") })
        #endif
    }
}
