import Foundation
import HTTPServer
import Testing
import TestSupport

@testable import DemoApp

/// The walkthrough's images are served from its `images` directory only, confined as `Public/`
/// is: decoded before any check, no traversal, no dotfiles, no symlink out, never the Markdown.
@Suite struct TutorialPageAssetTests {
    /// A walkthrough in a temporary directory, with an image, a dotfile, a symlink out, and a
    /// secret beside the Markdown file.
    private struct Fixture {
        private let temporary: TemporaryDirectory
        let directory: String
        let tutorial: TutorialPage

        init() throws {
            temporary = try TemporaryDirectory(prefix: "tutorial-confinement-")
            directory = temporary.path
            let files = [
                "docs/TUTORIAL.md": "# Walkthrough\n\n![Chart](images/sizes.svg)\n",
                "docs/secret.txt": "beside the markdown\n",
                "docs/images/sizes.svg": "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
                "docs/images/.hidden.svg": "<svg/>",
                "outside.txt": "outside\n",
            ]
            for (path, contents) in files {
                let url = URL(fileURLWithPath: directory + "/" + path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(contents.utf8).write(to: url)
            }
            try FileManager.default.createSymbolicLink(atPath: directory + "/docs/images/escape.txt", withDestinationPath: directory + "/outside.txt")
            try FileManager.default.createSymbolicLink(atPath: directory + "/docs/images/up.txt", withDestinationPath: "../../outside.txt")
            tutorial = TutorialPage(markdownPath: directory + "/docs/TUTORIAL.md", commonHeaders: [:])
        }

        func status(_ target: String) -> Int? {
            tutorial.asset(for: HTTPRequest(method: .get, target: target))?.status.code
        }

        func remove() {
            temporary.remove()
        }
    }

    @Test func servesTheImagesDirectory() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        #expect(fixture.status("/tutorial/images/sizes.svg") == 200)
        // Decoded before the check, so an encoded letter names the same directory.
        #expect(fixture.status("/tutorial/%69mages/sizes.svg") == 200)
        #expect(fixture.status("/tutorial/images/sizes%2esvg") == 200)
    }

    @Test(arguments: [
        "/tutorial/TUTORIAL.md", "/tutorial/TUTORIAL.m%64", "/tutorial/TUTORIAL%2Emd", "/tutorial/secret.txt",
        "/tutorial/images/../TUTORIAL.md", "/tutorial/images/%2e%2e/TUTORIAL.md", "/tutorial/images%2f..%2fTUTORIAL.md",
        "/tutorial/images/%252e%252e/TUTORIAL.md", "/tutorial/images/.hidden.svg", "/tutorial/images/%2ehidden.svg",
        "/tutorial/images/escape.txt", "/tutorial/images/up.txt", "/tutorial/images/", "/tutorial/images",
        "/tutorial/images//sizes.svg", "/tutorial/images/sizes.svg%00", "/tutorial/../outside.txt",
    ])
    func refusesEverythingElse(target: String) throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        #expect(fixture.status(target) == nil, "\(target) must not be served")
    }

    @Test func tutorialAtTheRootDoesNotServeTheFileSystem() async throws {
        let fixture = try DemoFixture()
        defer { fixture.close() }
        let application = try DemoApplication(
            configuration: DemoConfiguration(publicDirectory: fixture.publicDirectory, imageVariant: "test", tutorialPath: "/TUTORIAL.md"),
            store: fixture.store, serverStatistics: ServerStatistics(), logger: DemoFixture.silentLogger, accessLogger: nil)
        for target in ["/tutorial/etc/passwd", "/tutorial/etc/hostname", "/tutorial/proc/self/status"] {
            let response = await application.response(to: HTTPRequest(method: .get, target: target))
            #expect(response.status == .notFound, "\(target)")
        }
    }

    @Test func imagesDirectoryThatIsASymlinkIsNotServed() throws {
        let temporary = try TemporaryDirectory(prefix: "tutorial-symlinked-images-")
        defer { temporary.remove() }
        let directory = temporary.path
        try FileManager.default.createDirectory(atPath: directory + "/docs", withIntermediateDirectories: true)
        try Data("# W\n".utf8).write(to: URL(fileURLWithPath: directory + "/docs/TUTORIAL.md"))
        try FileManager.default.createSymbolicLink(atPath: directory + "/docs/images", withDestinationPath: "/etc")
        let tutorial = TutorialPage(markdownPath: directory + "/docs/TUTORIAL.md", commonHeaders: [:])
        #expect(tutorial.asset(for: HTTPRequest(method: .get, target: "/tutorial/images/passwd")) == nil)
    }
}
