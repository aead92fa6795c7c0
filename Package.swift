// swift-tools-version:6.1
import PackageDescription

// Linux only: the server is built on epoll (Sources/CHTTPShims), so no Apple platform is declared;
// elsewhere the build stops with one line that points to the Docker form (docs/TUTORIAL.md).
let package = Package(
    name: "swift-tiny-container",
    products: [
        .executable(name: "demo-server", targets: ["demo-server"]),
        .library(name: "HTTP1", targets: ["HTTP1"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
        .library(name: "DemoApp", targets: ["DemoApp"]),
    ],
    // Pinned to exact versions. Package.resolved is not committed (it records commit ids, and those
    // differ between mirrors of the same tag), so the manifest is the one place the versions are
    // fixed: `swift package resolve` picks the same releases on every machine and in every image.
    // The versions are repeated in Sources/DemoApp/Configuration/BuildInfo.swift (shown by
    // `--version` and in /metrics; a test fails when the two drift) and read back into the SBOM
    // from the resolved graph. To bump: see docs/supply-chain.md, "Bumping a dependency".
    traits: [
        // Off by default: `swift build`, the default binary and the images carry no PostgreSQL client.
        .trait(
            name: "PostgreSQL",
            description: "A PostgreSQL visit store (DATABASE_URL) for several replicas on one database, on libpq."
        )
    ],
    dependencies: [
        // Structured logging with a pluggable backend: the one logging API of the Swift server world.
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
    ],
    targets: [
        // The system SQLite (Debian: libsqlite3-dev), linked statically in the container builds.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // PostgreSQL's client library, libpq, with OpenSSL for TLS: the system's for host builds
        // (Debian: libpq-dev), one built from source without GSSAPI/LDAP for the static images
        // (Dockerfile.multistage). Linked only with the PostgreSQL trait.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // Linux calls Swift's Glibc module leaves out (epoll, eventfd, sendfile, accept4).
        .target(name: "CHTTPShims"),
        // The sans-I/O HTTP/1.1 core: bytes in, decisions out; no sockets, threads, clocks or logger.
        .target(name: "HTTP1"),
        .target(
            name: "HTTPServer",
            dependencies: ["HTTP1", "CHTTPShims", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "DemoApp",
            dependencies: [
                "CHTTPShims",
                "HTTP1",
                "HTTPServer",
                "CSQLite",
                .product(name: "Logging", package: "swift-log"),
                .target(name: "CLibPQ", condition: .when(traits: ["PostgreSQL"])),
            ]
        ),
        .executableTarget(
            name: "demo-server",
            dependencies: [
                "DemoApp",
                "HTTPServer",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What several test targets share: the loopback test client, temporary files, a seeded
        // generator, the PostgreSQL test server. A plain target (not a test target) so that test
        // targets can depend on it; it depends on nothing of ours.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1", "TestSupport"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTP1", "HTTPServer", "TestSupport"]),
        .testTarget(name: "DemoAppTests", dependencies: ["DemoApp", "HTTPServer", "TestSupport"]),
        .testTarget(
            name: "DemoServerTests",
            dependencies: ["DemoApp", "HTTPServer", "demo-server", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
