import Foundation
import Testing
import TestSupport

/// Loads the demo page in headless Chromium, as a person would, and keeps a screenshot under
/// `.build/screenshots/` to look at. Skipped when Chromium is not installed, unless
/// `REQUIRE_BROWSER_TEST=1` (CI) makes its absence a failure.
@Suite(.serialized) struct BrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    static let isRequired = ProcessInfo.processInfo.environment["REQUIRE_BROWSER_TEST"] == "1"

    @Test(.enabled(if: chromium != nil || isRequired, "Chromium is not installed; apt-get install chromium"))
    func pageRendersInHeadlessChromium() throws {
        let chromium = try #require(Self.chromium, "REQUIRE_BROWSER_TEST=1 but Chromium is not installed")
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start(environment: ["IMAGE_VARIANT": "browser"])
        _ = try TestClient.post(port: server.port, "/api/visits", json: "{}")

        let profile = server.directory + "/chromium-profile"
        let common = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(profile)", "--window-size=1200,1500", "--hide-scrollbars",
        ]
        let url = "http://127.0.0.1:\(server.port)/"
        let dom = try run(chromium, common + ["--virtual-time-budget=3000", "--dump-dom", url])
        #expect(dom.contains("<span class=\"badge\">browser</span>"))
        // One visit by the POST above, one by Chromium loading the page.
        #expect(dom.contains("<dd id=\"visits\">2</dd>"))
        #expect(dom.contains("Hello from a tiny Swift container"))

        let screenshotDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/screenshots")
        try FileManager.default.createDirectory(at: screenshotDirectory, withIntermediateDirectories: true)
        let screenshot = screenshotDirectory.appendingPathComponent("demo-page.png").path
        try? FileManager.default.removeItem(atPath: screenshot)
        _ = try run(chromium, common + ["--screenshot=\(screenshot)", url])
        let size = (try FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int) ?? 0
        #expect(size > 10_000, "a real screenshot, not an empty image")

        // The stylesheet and icon the page asked for were served.
        #expect(server.standardOutput.contains("GET /style.css 200") || server.standardOutput.contains("GET /style.css 304"))
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
