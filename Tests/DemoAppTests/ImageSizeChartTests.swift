import Testing

@testable import DemoApp

#if canImport(FoundationEssentials)
import FoundationEssentials
#endif

@Suite struct ImageSizeChartTests {
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
