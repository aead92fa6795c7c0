import Foundation
import HTTPServer
import Testing
import TestSupport

@testable import DemoApp

@Suite struct TutorialPageTests {
    @Test func servesTheWalkthroughAndItsImages() async throws {
        let fixture = try DemoFixture(files: [
            "docs/TUTORIAL.md": "# The walkthrough\n\n![Chart](images/sizes.svg)\n\nSee [the SBOM](supply-chain.md), 2 \\* 3.\n",
            "docs/images/sizes.svg": "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        ])
        defer { fixture.close() }
        let application = try DemoApplication(
            configuration: DemoConfiguration(
                publicDirectory: fixture.publicDirectory, imageVariant: "test",
                tutorialPath: fixture.publicDirectory + "/docs/TUTORIAL.md"),
            store: fixture.store, serverStatistics: ServerStatistics(), logger: DemoFixture.silentLogger, accessLogger: nil)
        let page = await application.response(to: HTTPRequest(method: .get, target: "/tutorial"))
        #expect(page.status == .ok)
        #expect(page.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(page.text.contains("<h1 id=\"the-walkthrough\">The walkthrough</h1>"))
        #expect(page.text.contains("<img src=\"/tutorial/images/sizes.svg\" alt=\"Chart\">"))
        // The repository's other files are not in the container: their links lead to the repository.
        #expect(page.text.contains("<a href=\"https://github.com/swift-tiny-container/swift-tiny-container/blob/main/docs/supply-chain.md\">the SBOM</a>, 2 * 3."))
        let image = await application.response(to: HTTPRequest(method: .get, target: "/tutorial/images/sizes.svg"))
        #expect(image.status == .ok)
        #expect(image.headers["Content-Type"] == "image/svg+xml")
        #expect(await application.response(to: HTTPRequest(method: .get, target: "/tutorial/TUTORIAL.md")).status == .notFound)
        #expect(await application.response(to: HTTPRequest(method: .get, target: "/tutorial/../../data/visits.sqlite")).status == .notFound)
    }

    @Test func picksUpEditsToTheFile() throws {
        let temporary = try TemporaryDirectory(prefix: "tutorial-")
        defer { temporary.remove() }
        let directory = temporary.path
        let path = directory + "/TUTORIAL.md"
        try Data("# First\n".utf8).write(to: URL(fileURLWithPath: path))
        let tutorial = TutorialPage(markdownPath: path, commonHeaders: [:])
        #expect(tutorial.response().page?.text.contains("First") == true)
        try Data("# Second version\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(tutorial.response().page?.text.contains("Second version") == true)
    }

    @Test func missingWalkthroughIsANotFoundPage() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let application = try DemoApplication(
            configuration: DemoConfiguration(publicDirectory: fixture.publicDirectory, imageVariant: "test", tutorialPath: "/nonexistent/TUTORIAL.md"),
            store: fixture.store, serverStatistics: ServerStatistics(), logger: DemoFixture.silentLogger, accessLogger: nil)
        let response = await application.response(to: HTTPRequest(method: .get, target: "/tutorial"))
        #expect(response.status == .notFound)
        #expect(response.text.contains("docs/TUTORIAL.md"))
    }
}

extension TutorialPage.Rendering {
    /// The page, if there is one.
    var page: HTTPResponse? {
        if case .page(let response) = self { return response }
        return nil
    }
}
