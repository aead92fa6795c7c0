import Glibc

/// The measured image sizes that `scripts/compare-images.sh` writes to `Public/image-sizes.json`.
///
/// The server reads the file with `JSONReader` (`init(json:)`). The `Decodable` conformance is
/// the stdlib's, synthesized, and links nothing: the chart tests decode their fixtures with it, and
/// `ImageSizesTests` checks that both readings of the same text agree.
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
        guard let bytes = WholeFile.read(path: path, limit: 64 * 1024), let json = try? JSONReader.read(bytes) else { return nil }
        return try? ImageSizes(json: json)
    }
}

extension ImageSizes {
    /// Reads the document as the synthesized `Decodable` conformance does: members the app does
    /// not show (`revision`, `packages`, ...) are ignored; optional ones may be absent or null;
    /// any member of the wrong type, or an integer outside `Int`, refuses the whole document.
    /// - Parameter json: The parsed `image-sizes.json`.
    /// - Throws: `JSONShapeError` naming the first member that does not fit.
    init(json: JSONValue) throws(JSONShapeError) {
        measuredAt = try json.required("measuredAt", \.stringValue)
        var images: [Image] = []
        for element in try json.required("images", \.arrayValue) {
            images.append(try Image(json: element))
        }
        self.images = images
    }
}

extension ImageSizes.Image {
    /// - Parameter json: One element of `images`.
    /// - Throws: `JSONShapeError` naming the first member that does not fit.
    init(json: JSONValue) throws(JSONShapeError) {
        guard json.objectMembers != nil else { throw JSONShapeError("an image must be an object") }
        variant = try json.required("variant", \.stringValue)
        bytes = try json.required("bytes", \.integerValue)
        compressedBytes = try json.optional("compressedBytes", \.integerValue)
        baseIsStandIn = try json.optional("baseIsStandIn", \.boolValue)
        baseKind = try json.optional("baseKind", \.stringValue)
        base = try json.optional("base", \.stringValue)
        withOfficialBase = try json.optional("withOfficialBase") { value in
            try? ImageSizes.OfficialBaseEstimate(json: value)
        }
    }
}

extension ImageSizes.OfficialBaseEstimate {
    /// - Parameter json: An image's `withOfficialBase`.
    /// - Throws: `JSONShapeError` naming the first member that does not fit.
    init(json: JSONValue) throws(JSONShapeError) {
        guard json.objectMembers != nil else { throw JSONShapeError("\"withOfficialBase\" must be an object") }
        bytes = try json.required("bytes", \.integerValue)
        source = try json.required("source", \.stringValue)
    }
}
