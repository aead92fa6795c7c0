/// Where the walkthrough's relative links can be read. `docs/TUTORIAL.md` links to its neighbours
/// in the repository (`supply-chain.md`, `appendix/debugging.md`, `../deploy/`); a container
/// serves none of them, so on `/tutorial` they point to the same files in the project's
/// repository instead of answering 404.
struct RepositoryLinks: Sendable {
    /// The walkthrough's links, resolved against `docs/` in the project's repository on GitHub.
    static let walkthrough = RepositoryLinks(
        baseURL: "https://github.com/swift-tiny-container/swift-tiny-container/blob/main/",
        documentDirectory: "docs")

    /// The repository's files, ending in `/`: a relative path is appended to it.
    let baseURL: String
    /// The directory, relative to the repository's root, of the document whose links these are.
    let documentDirectory: String

    /// The URL of a relative link's target, its `#fragment` kept.
    /// - Parameter target: The link as written, e.g. `../deploy/README.md#apply`.
    /// - Returns: nil for a target that leaves the repository (too many `..`), or that has a
    ///   scheme (`mailto:`, `javascript:`): those stay text.
    func url(for target: String) -> String? {
        let fragmentStart = target.firstIndex(of: "#") ?? target.endIndex
        let pathPart = target[..<fragmentStart]
        guard !pathPart.isEmpty, !pathPart.contains(":"), !pathPart.hasPrefix("/") else { return nil }
        var segments = documentDirectory.split(separator: "/").map(String.init)
        for segment in pathPart.split(separator: "/", omittingEmptySubsequences: false) {
            switch segment {
            case "", ".": continue
            case "..":
                guard !segments.isEmpty else { return nil }
                segments.removeLast()
            default: segments.append(String(segment))
            }
        }
        let directory = pathPart.hasSuffix("/") && !segments.isEmpty ? "/" : ""
        return baseURL + segments.joined(separator: "/") + directory + target[fragmentStart...]
    }
}
