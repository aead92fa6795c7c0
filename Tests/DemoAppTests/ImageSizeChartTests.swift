import Testing

@testable import DemoApp

#if canImport(FoundationEssentials)
import FoundationEssentials
#endif

/// The page's bar chart of image sizes: readable on a phone, and honest about stand-in bases (a
/// size measured on a local stand-in or replica base is drawn as what the official base gives,
/// marked, with the locally measured size beside it, as in the walkthrough's chart).
@Suite struct ImageSizeChartTests {
    private func sizes(_ json: String) throws -> ImageSizes {
        try JSONDecoder().decode(ImageSizes.self, from: Data(json.utf8))
    }

    @Test func standInBarLeadsWithTheOfficialBaseFigureAndNamesTheLocalOne() throws {
        let sizes = try sizes("""
            {"measuredAt": "2026-12-02T05:00:00Z", "images": [
              {"variant": "alpine", "bytes": 19300000, "baseIsStandIn": true, "baseKind": "stand-in",
               "base": "alpine:3.22",
               "withOfficialBase": {"bytes": 25400000, "source": "docker-library repo-info"}},
              {"variant": "multistage", "bytes": 17100000, "baseIsStandIn": false}]}
            """)
        let svg = ImageSizeChart.svg(for: sizes, currentVariant: "multistage")
        #expect(svg.contains(">25.4 MB</text>"))
        #expect(svg.contains(">* official base; stand-in here 19.3 MB</text>"))
        #expect(!svg.contains(">19.3 MB</text>"))
        #expect(svg.contains(">17.1 MB</text>"))
        #expect(svg.contains(">serving this page</text>"))
    }

    @Test func replicaBaseWithoutAnEstimateIsStillMarked() throws {
        let sizes = try sizes("""
            {"measuredAt": "2026-12-02T05:00:00Z", "images": [
              {"variant": "naive", "bytes": 4140000000, "baseIsStandIn": true, "baseKind": "replica"}]}
            """)
        let svg = ImageSizeChart.svg(for: sizes, currentVariant: "naive")
        #expect(svg.contains(">4.1 GB</text>"))
        #expect(svg.contains(">serving this page · * replica base</text>"))
        #expect(!svg.contains("official ≈"))
    }

    /// The SVG scales to the width of its column: on a 390 px phone that is about 330 px, so a
    /// chart drawn wider than 400 units shows its 13-unit text below 11 px (the old 820-unit
    /// chart showed it at about 5 px). Every text must also start and end inside that width.
    @Test func chartIsDrawnNarrowEnoughForItsTextToStayReadableOnAPhone() throws {
        let sizes = try JSONDecoder().decode(ImageSizes.self, from: Data("""
            {"measuredAt": "2026-12-02T05:00:00Z", "images": [
              {"variant": "naive", "bytes": 4118500000, "baseIsStandIn": true, "baseKind": "replica",
               "withOfficialBase": {"bytes": 4210000000, "source": "docker-library repo-info"}},
              {"variant": "alpine", "bytes": 13800000, "baseIsStandIn": true, "baseKind": "stand-in",
               "withOfficialBase": {"bytes": 19800000, "source": "docker-library repo-info"}},
              {"variant": "multistage", "bytes": 11500000}]}
            """.utf8))
        let svg = ImageSizeChart.svg(for: sizes, currentVariant: "multistage")
        let viewBox = try #require(svg.firstRange(of: "viewBox=\"0 0 ").map { svg[$0.upperBound...].prefix { $0 != "\"" } })
        let width = try #require(Int(viewBox.split(separator: " ")[0]))
        #expect(width <= 400)
        // Labels, values and notes each have a line of their own: none starts beside a bar.
        for x in svg.split(separator: " x=\"").dropFirst().compactMap({ Int($0.prefix { $0 != "\"" }) }) {
            #expect((0...width).contains(x))
        }
        #expect(svg.contains(">serving this page</text>"))
    }
}
