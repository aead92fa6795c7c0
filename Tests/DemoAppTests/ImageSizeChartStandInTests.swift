import Testing

@testable import DemoApp

#if canImport(FoundationEssentials)
import FoundationEssentials
#endif

/// A size measured on a local stand-in or replica base is drawn as what the official base gives,
/// marked, with the locally measured size beside it, as in the walkthrough's chart.
@Suite struct ImageSizeChartStandInTests {
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
}
