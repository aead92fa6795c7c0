import Foundation
import Testing

@testable import DemoApp

/// `image-sizes.json` as the server reads it (`ImageSizes.load`, through `JSONReader`), checked
/// against the synthesized `Decodable` reading of the same text where both accept it.
@Suite struct ImageSizesTests {
    private static let committedFile =
        String(#filePath.split(separator: "/Tests/", omittingEmptySubsequences: false)[0]) + "/Public/image-sizes.json"

    /// Writes `contents` to a fresh temporary file, loads it, and removes it.
    private func load(_ contents: [UInt8]) throws -> ImageSizes? {
        let path = NSTemporaryDirectory() + "image-sizes-tests-" + UUID().uuidString + ".json"
        try Data(contents).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return ImageSizes.load(path: path)
    }

    private func load(_ contents: String) throws -> ImageSizes? {
        try load(Array(contents.utf8))
    }

    private func decodedByFoundation(_ contents: String) -> ImageSizes? {
        try? JSONDecoder().decode(ImageSizes.self, from: Data(contents.utf8))
    }

    @Test func committedFileLoadsAsFoundationDecodesIt() throws {
        let contents = try String(contentsOfFile: Self.committedFile, encoding: .utf8)
        let loaded = try #require(ImageSizes.load(path: Self.committedFile))
        #expect(loaded == decodedByFoundation(contents))
        #expect(loaded.images.map(\.variant) == ["naive", "alpine", "multistage"])
        #expect(loaded.images.allSatisfy { $0.bytes > 0 })
        #expect(!loaded.measuredAt.isEmpty)
    }

    @Test func committedFileKeepsItsNestedEstimatesAndSizesAboveFourGigabytes() throws {
        let loaded = try #require(ImageSizes.load(path: Self.committedFile))
        let json = try JSONReader.read(Array(try Data(contentsOf: URL(fileURLWithPath: Self.committedFile))))
        let images = try #require(json["images"]?.arrayValue)
        #expect(loaded.images.count == images.count)
        for (image, element) in zip(loaded.images, images) {
            #expect(image.bytes == element["bytes"]?.integerValue)
            #expect(image.compressedBytes == element["compressedBytes"]?.integerValue)
            #expect(image.withOfficialBase?.bytes == element["withOfficialBase"]?["bytes"]?.integerValue)
            #expect(image.withOfficialBase?.source == element["withOfficialBase"]?["source"]?.stringValue)
        }
    }

    @Test func optionalFieldsMayBeAbsent() throws {
        let contents = #"{"measuredAt": "2026-12-02T05:00:00Z", "images": [{"variant": "multistage", "bytes": 17349908}]}"#
        let loaded = try #require(try load(contents))
        #expect(loaded == ImageSizes(measuredAt: "2026-12-02T05:00:00Z", images: [ImageSizes.Image(variant: "multistage", bytes: 17_349_908)]))
        #expect(loaded == decodedByFoundation(contents))
    }

    @Test func optionalFieldsMayBeNull() throws {
        let contents = """
            {"measuredAt": "2026-12-02T05:00:00Z", "images": [{"variant": "alpine", "bytes": 19564870,
              "compressedBytes": null, "baseIsStandIn": null, "baseKind": null, "base": null, "withOfficialBase": null}]}
            """
        let loaded = try #require(try load(contents))
        #expect(loaded.images == [ImageSizes.Image(variant: "alpine", bytes: 19_564_870)])
        #expect(loaded == decodedByFoundation(contents))
    }

    @Test func membersTheAppDoesNotShowAreIgnored() throws {
        let contents = """
            {"revision": "abc", "inputs": {"images": "sha256:0"}, "measuredAt": "2026-12-02T05:00:00Z",
             "images": [{"variant": "naive", "bytes": 1, "packages": 229, "notes": [1, {"a": null}]}], "measuredBy": "x"}
            """
        let loaded = try #require(try load(contents))
        #expect(loaded.images.map(\.variant) == ["naive"])
        #expect(loaded == decodedByFoundation(contents))
    }

    @Test func emptyImageListIsADocument() throws {
        #expect(try load(#"{"measuredAt": "2026-12-02T05:00:00Z", "images": []}"#)?.images == [])
    }

    @Test(arguments: [
        #"{"images": []}"#,
        #"{"measuredAt": null, "images": []}"#,
        #"{"measuredAt": "t"}"#,
        #"{"measuredAt": "t", "images": {}}"#,
        #"{"measuredAt": "t", "images": [1]}"#,
        #"{"measuredAt": "t", "images": [{"bytes": 1}]}"#,
        #"{"measuredAt": "t", "images": [{"variant": "a"}]}"#,
        #"{"measuredAt": "t", "images": [{"variant": "a", "bytes": "1"}]}"#,
        #"{"measuredAt": "t", "images": [{"variant": "a", "bytes": 1.5}]}"#,
        #"{"measuredAt": "t", "images": [{"variant": "a", "bytes": 9223372036854775808}]}"#,
        #"{"measuredAt": "t", "images": [{"variant": "a", "bytes": 1, "compressedBytes": "2"}]}"#,
        #"{"measuredAt": "t", "images": [{"variant": "a", "bytes": 1, "baseIsStandIn": "yes"}]}"#,
        #"{"measuredAt": "t", "images": [{"variant": "a", "bytes": 1, "baseKind": 3}]}"#,
        #"{"measuredAt": "t", "images": [{"variant": "a", "bytes": 1, "withOfficialBase": {"bytes": 2}}]}"#,
        #"{"measuredAt": "t", "images": [{"variant": "a", "bytes": 1, "withOfficialBase": "big"}]}"#,
        "[]",
    ])
    func documentOfTheWrongShapeIsRefusedAsFoundationRefusesIt(contents: String) throws {
        #expect(try load(contents) == nil)
        #expect(decodedByFoundation(contents) == nil)
    }

    @Test(arguments: [
        "",
        #"{"measuredAt": "t", "images": [],}"#,
        #"{"measuredAt": "t", "measuredAt": "u", "images": []}"#,
        #"{"measuredAt": "t", "images": [{"variant": "a", "bytes": 01}]}"#,
    ])
    func malformedDocumentIsRefused(contents: String) throws {
        #expect(try load(contents) == nil)
    }

    @Test func missingFileIsNoDocument() {
        #expect(ImageSizes.load(path: NSTemporaryDirectory() + "no-such-image-sizes-" + UUID().uuidString) == nil)
    }

    @Test func shapeErrorNamesTheMember() throws {
        let json = try JSONReader.read(Array(#"{"measuredAt": "t", "images": [{"variant": "a", "bytes": true}]}"#.utf8))
        #expect(throws: JSONShapeError("\"bytes\" is missing or of the wrong type")) { try ImageSizes(json: json) }
    }
}
