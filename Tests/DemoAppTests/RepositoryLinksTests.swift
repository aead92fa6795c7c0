import Testing

@testable import DemoApp

@Suite struct RepositoryLinksTests {
    private let links = RepositoryLinks(baseURL: "https://repo.example/blob/main/", documentDirectory: "docs")

    @Test func aNeighbourOfTheDocumentResolvesInsideItsDirectory() {
        #expect(links.url(for: "supply-chain.md") == "https://repo.example/blob/main/docs/supply-chain.md")
        #expect(links.url(for: "./appendix/debugging.md") == "https://repo.example/blob/main/docs/appendix/debugging.md")
    }

    @Test func parentSegmentsClimbToTheRepositoryRoot() {
        #expect(links.url(for: "../deploy/kubernetes-postgres/README.md")
            == "https://repo.example/blob/main/deploy/kubernetes-postgres/README.md")
        #expect(links.url(for: "../deploy/") == "https://repo.example/blob/main/deploy/")
    }

    @Test func theFragmentIsKept() {
        #expect(links.url(for: "supply-chain.md#crashes-you-can-read")
            == "https://repo.example/blob/main/docs/supply-chain.md#crashes-you-can-read")
    }

    @Test func aTargetOutsideTheRepositoryOrWithASchemeHasNoURL() {
        #expect(links.url(for: "../../etc/passwd") == nil)
        #expect(links.url(for: "javascript:alert(1") == nil)
        #expect(links.url(for: "mailto:someone@example.org") == nil)
        #expect(links.url(for: "") == nil)
    }

    @Test func theWalkthroughsLinksPointToTheProjectsRepository() {
        #expect(RepositoryLinks.walkthrough.url(for: "image-comparison.md")
            == "https://github.com/swift-tiny-container/swift-tiny-container/blob/main/docs/image-comparison.md")
    }
}
