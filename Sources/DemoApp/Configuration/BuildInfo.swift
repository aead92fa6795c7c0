import Glibc
#if PostgreSQL
import CLibPQ
#endif
import CSQLite

/// What this binary is made of, as `demo-server --version` and `/metrics` (`demo_build_info`)
/// report it. The SBOM shipped in the images (docs/supply-chain.md) lists the same components
/// with the same versions, read from the builder at build time; CI compares the two.
///
/// The C libraries report themselves at run time: in a fully static binary, `sqlite3_libversion()`
/// and glibc's `confstr(_CS_GNU_LIBC_VERSION)` are the code that was linked in, so the answer is
/// true even where no package database exists (scratch). The Swift packages are compiled in
/// without a version symbol, so their versions are stated here; `BuildInfoTests` fails when they
/// differ from the exact pins in Package.swift.
public enum BuildInfo {
    /// A Swift package dependency linked into the binary.
    public struct Package: Sendable, Equatable {
        /// SwiftPM's identity: the last path component of the repository URL, lower-cased.
        public var identity: String
        /// The exact version Package.swift pins.
        public var version: String
    }

    /// The Swift package dependencies compiled in, with the versions Package.swift pins (`exact:`).
    public static let packages: [Package] = {
        [Package(identity: "swift-log", version: "1.16.2")]
    }()

    /// Pinned in Package.swift but compiled in only with a package trait this build was made without.
    public static let packagesOutsideThisBuild: [Package] = []

    /// The SQLite library linked in, e.g. `3.40.1`.
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }

    #if PostgreSQL
    /// The libpq linked in, e.g. `15.18`: `PQlibVersion()` is the library's own number
    /// (major * 10000 + minor since PostgreSQL 10).
    public static var libpqVersion: String {
        let number = Int(PQlibVersion())
        return "\(number / 10000).\(number % 10000)"
    }

    /// The OpenSSL linked in (libpq's TLS), e.g. `3.0.19`, as the library reports it.
    public static var openSSLVersion: String {
        String(cString: OpenSSL_version(Int32(OPENSSL_VERSION_STRING)))
    }
    #endif

    /// The C library linked in, e.g. `glibc 2.36`.
    public static var libcVersion: String {
        // "glibc 2.36"; in a static binary this is the libc.a that was linked, not the host's.
        let length = confstr(Int32(_CS_GNU_LIBC_VERSION), nil, 0)
        guard length > 0 else { return "glibc" }
        var buffer = [CChar](repeating: 0, count: length)
        _ = confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, length)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The Swift toolchain that compiled this binary (its runtime, standard library and
    /// FoundationEssentials come with it), to the patch release where the compiler says so.
    public static var swiftToolchainVersion: String {
        #if compiler(>=6.5)
        return "6.5 or later"
        #elseif compiler(>=6.4)
        return "6.4"
        #elseif compiler(>=6.3.3)
        return "6.3.3"
        #elseif compiler(>=6.3.2)
        return "6.3.2"
        #elseif compiler(>=6.3.1)
        return "6.3.1"
        #elseif compiler(>=6.3)
        return "6.3.0"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    /// The components as `(name, version)` pairs, in the order `--version` prints them.
    public static var components: [(name: String, version: String)] {
        var list = [(name: "swift-tiny-container", version: DemoVersion.current), (name: "swift", version: swiftToolchainVersion)]
        list += packages.map { (name: $0.identity, version: $0.version) }
        list.append((name: "sqlite", version: sqliteVersion))
        #if PostgreSQL
        list.append((name: "libpq", version: libpqVersion))
        list.append((name: "openssl", version: openSSLVersion))
        #endif
        let libc = libcVersion.split(separator: " ", maxSplits: 1)
        list.append((name: String(libc[0]), version: libc.count > 1 ? String(libc[1]) : "unknown"))
        return list
    }

    /// `--version` output: the release on the first line (what scripts read), then one
    /// `name version` line per component.
    public static var versionText: String {
        ([DemoVersion.current] + components.dropFirst().map { "\($0.name) \($0.version)" }).joined(separator: "\n")
    }

    /// The labels of the `demo_build_info` metric beyond version and variant, as name and value
    /// (`swift_log`, `1.16.2`): Prometheus label names may not contain `-`.
    static var metricLabels: [(String, String)] {
        components.dropFirst().map { component in
            (component.name.replacing("-", with: "_"), component.version)
        }
    }
}
