/// What the demo application needs to know, resolved and validated by the executable.
public struct DemoConfiguration: Sendable {
    /// The directory static files are served from (`PUBLIC_DIR`).
    public var publicDirectory: String
    /// The image variant the page reports (`IMAGE_VARIANT`): naive, alpine, multistage, or local.
    public var imageVariant: String
    /// The walkthrough's Markdown file served at `/tutorial` (`TUTORIAL_PATH`).
    public var tutorialPath: String
    /// The application version shown on the page and in `build_info`.
    public var version: String
    /// The most distinct variant names `POST /api/visits` counts (`MAX_VARIANTS`); a new name
    /// beyond them is refused with 422. The configured `imageVariant` is always counted.
    public var maxVariants: Int

    /// `MAX_VARIANTS` when not configured: room for every image, machine and branch a team is
    /// likely to name, small enough that the full list stays a few kilobytes.
    public static let defaultMaxVariants = 256

    /// Creates a configuration.
    /// - Parameters:
    ///   - publicDirectory: The static file root.
    ///   - imageVariant: The variant name; must satisfy `DemoConfiguration.isValidVariant`.
    ///   - tutorialPath: The walkthrough's Markdown file; `/tutorial` answers 404 while it is missing.
    ///   - version: The application version.
    ///   - maxVariants: The most distinct variant names counted; at least 1.
    public init(
        publicDirectory: String,
        imageVariant: String,
        tutorialPath: String = "docs/TUTORIAL.md",
        version: String = DemoVersion.current,
        maxVariants: Int = DemoConfiguration.defaultMaxVariants
    ) {
        precondition(maxVariants >= 1, "maxVariants must be at least 1")
        self.publicDirectory = publicDirectory
        self.imageVariant = imageVariant
        self.tutorialPath = tutorialPath
        self.version = version
        self.maxVariants = maxVariants
    }

    /// Whether `name` can name a variant: 1 to 32 of `a-z 0-9 . _ -`, starting with a letter or
    /// digit. Variants end up in HTML, JSON, metrics labels and the database, so they are kept plain.
    /// - Parameter name: The candidate.
    public static func isValidVariant(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...32).contains(bytes.count) else { return false }
        func isAlphanumeric(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) }
        guard isAlphanumeric(bytes[0]) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }
}

/// The version of this project.
public enum DemoVersion {
    /// Semantic version of the release.
    public static let current = "0.1.0"

    /// The Swift compiler that built this binary, e.g. `6.3`: `BuildInfo.swiftToolchainVersion`
    /// without its patch release.
    public static let swiftVersion: String = {
        let toolchain = BuildInfo.swiftToolchainVersion
        let parts = toolchain.split(separator: ".")
        return parts.count == 3 ? parts[0...1].joined(separator: ".") : toolchain
    }()
}
