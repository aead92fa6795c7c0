#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The measured image sizes that `scripts/compare-images.sh` writes to `Public/image-sizes.json`.
struct ImageSizes: Decodable, Equatable {
    struct Image: Decodable, Equatable {
        /// `naive`, `alpine` or `multistage`.
        var variant: String
        /// Uncompressed size as `docker image inspect` reports it.
        var bytes: Int
        /// `docker save | gzip` size, when measured.
        var compressedBytes: Int?
        /// The base image was a local stand-in or replica, not the registry's, so the size is not
        /// what the official base gives; `withOfficialBase` says what it would be.
        var baseIsStandIn: Bool?
        /// `stand-in` or `replica`, when `baseIsStandIn`.
        var baseKind: String?
        /// The runtime base image, e.g. `alpine:3.22`.
        var base: String?
        /// The expected size on the official base, from its published figures.
        var withOfficialBase: OfficialBaseEstimate?
    }

    /// What an image measured on a stand-in base would weigh on the official one.
    struct OfficialBaseEstimate: Decodable, Equatable {
        /// Expected uncompressed size.
        var bytes: Int
        /// Where the official base's figures come from.
        var source: String
    }

    /// When the numbers were measured (ISO 8601, UTC).
    var measuredAt: String
    var images: [Image]

    /// The original Flask tutorial's images in MB, for reference on the chart.
    static let flaskReference: [(label: String, megabytes: Double)] = [
        ("Flask naive", 536), ("Flask Alpine", 263), ("Flask multi-stage", 65.8),
    ]

    /// Reads and decodes the file; nil when it is missing or malformed (the page then says how to
    /// make it).
    /// - Parameter path: The JSON file.
    static func load(path: String) -> ImageSizes? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 64 * 1024 {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return try? JSONDecoder().decode(ImageSizes.self, from: Data(bytes))
    }
}
