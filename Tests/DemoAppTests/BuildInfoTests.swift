import CSQLite
import Foundation
import Testing

@testable import DemoApp

/// `BuildInfo` is what `--version`, `/metrics` and (through CI's comparison) the SBOM report: its
/// package versions must be the manifest's pins, and the C libraries must report themselves.
@Suite struct BuildInfoTests {
    /// The exact pins in Package.swift, read from the file: `url: ".../NAME.git", exact: "X.Y.Z"`.
    private static func manifestPins() throws -> [String: String] {
        let manifestPath = String(#filePath.split(separator: "/Tests/", omittingEmptySubsequences: false)[0]) + "/Package.swift"
        let manifest = try String(contentsOfFile: manifestPath, encoding: .utf8)
        var pins: [String: String] = [:]
        for line in manifest.split(separator: "\n") where line.contains(".package(url:") {
            let quoted = line.split(separator: "\"", omittingEmptySubsequences: false)
            // .package(url: "<url>", exact: "<version>") splits into 5 pieces around its 4 quotes.
            guard quoted.count >= 5, quoted[2].contains("exact:") else {
                Issue.record("Package.swift: a dependency is not pinned with `exact:`: \(line)")
                continue
            }
            var identity = quoted[1].split(separator: "/").last.map(String.init) ?? ""
            if identity.hasSuffix(".git") { identity.removeLast(4) }
            pins[identity.lowercased()] = String(quoted[3])
        }
        return pins
    }

    @Test func packageVersionsAreTheExactPinsOfTheManifest() throws {
        let pins = try Self.manifestPins()
        #expect(!pins.isEmpty)
        let stated = Dictionary(
            uniqueKeysWithValues: (BuildInfo.packages + BuildInfo.packagesOutsideThisBuild).map { ($0.identity, $0.version) })
        #expect(stated == pins, "Sources/DemoApp/Configuration/BuildInfo.swift and Package.swift disagree: bump both")
    }

    @Test func sqliteVersionIsTheLinkedLibrarysOwn() {
        let number = Int(sqlite3_libversion_number())
        let expected = "\(number / 1_000_000).\(number / 1000 % 1000).\(number % 1000)"
        #expect(BuildInfo.sqliteVersion == expected)
        // The header the module was compiled against and the library linked in are one release.
        #expect(BuildInfo.sqliteVersion == SQLITE_VERSION)
    }

    @Test func libcVersionNamesTheLibraryAndItsRelease() {
        let parts = BuildInfo.libcVersion.split(separator: " ")
        #if canImport(Glibc)
        #expect(parts.count == 2)
        #expect(parts.first == "glibc")
        let release = parts.last?.split(separator: ".") ?? []
        #expect(release.count >= 2 && release.allSatisfy { Int($0) != nil })
        #else
        #expect(parts.first == "musl")
        #endif
    }

    @Test func versionTextStartsWithTheReleaseAndListsEveryComponent() {
        let lines = BuildInfo.versionText.split(separator: "\n").map(String.init)
        #expect(lines.first == DemoVersion.current)
        #expect(lines.contains("swift \(BuildInfo.swiftToolchainVersion)"))
        for package in BuildInfo.packages {
            #expect(lines.contains("\(package.identity) \(package.version)"))
        }
        #expect(lines.contains("sqlite \(BuildInfo.sqliteVersion)"))
        #expect(lines.contains(BuildInfo.libcVersion))
    }

    @Test func toolchainVersionHasMajorMinorAndPatch() {
        let parts = BuildInfo.swiftToolchainVersion.split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil })
    }

    @Test func buildInfoMetricCarriesEveryComponentAsALabel() {
        let text = Metrics().render(openConnections: 0, acceptedConnections: 0, visitsTotal: nil, version: "1.2.3", variant: "testing")
        let line = text.split(separator: "\n").first { $0.hasPrefix("demo_build_info{") }.map(String.init) ?? ""
        #expect(line.hasPrefix("demo_build_info{version=\"1.2.3\",variant=\"testing\","))
        #expect(line.contains("swift=\"\(BuildInfo.swiftToolchainVersion)\""))
        for package in BuildInfo.packages {
            #expect(line.contains("\(package.identity.replacing("-", with: "_"))=\"\(package.version)\""))
        }
        #expect(line.contains("sqlite=\"\(BuildInfo.sqliteVersion)\""))
        #expect(line.hasSuffix("} 1"))
    }
}
