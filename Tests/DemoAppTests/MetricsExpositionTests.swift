import Testing

@testable import DemoApp

/// The two exposition formats: what a scraper asks for, how counters and info are named in each,
/// and the escapes each defines.
@Suite struct MetricsExpositionTests {
    @Test(arguments: [
        // What Prometheus 2.x sends by default.
        ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
         MetricsExposition.Format.openMetrics),
        ("application/openmetrics-text", .openMetrics),
        ("Application/OpenMetrics-Text; version=1.0.0", .openMetrics),
        ("text/plain;version=0.0.4;q=0.9, application/openmetrics-text;q=0.5", .text),
        ("application/openmetrics-text;version=2.0.0", .text),
        ("application/openmetrics-text;q=0", .text),
        ("text/plain", .text),
        ("*/*", .text),
        ("application/json", .text),
        ("", .text),
    ])
    func theScrapersAcceptChoosesTheFormat(accept: String, expected: MetricsExposition.Format) {
        #expect(MetricsExposition.Format.negotiate(accept: [accept]) == expected, "\(accept)")
    }

    @Test func noAcceptGivesTheClassicText() {
        #expect(MetricsExposition.Format.negotiate(accept: []) == .text)
    }

    @Test func countersAndInfoAreNamedAsEachFormatNamesThem() {
        var classic = MetricsExposition(format: .text)
        classic.family("jobs", .counter, help: "Jobs done.")
        classic.sample("jobs_total", 3)
        classic.family("app_build", .info, help: "Build.")
        classic.sample("app_build_info", labels: [("version", "1.0")], 1)
        #expect(classic.finish() == """
            # HELP jobs_total Jobs done.
            # TYPE jobs_total counter
            jobs_total 3
            # HELP app_build_info Build.
            # TYPE app_build_info gauge
            app_build_info{version="1.0"} 1

            """)

        var open = MetricsExposition(format: .openMetrics)
        open.family("jobs", .counter, help: "Jobs done.")
        open.sample("jobs_total", 3)
        open.family("app_build", .info, help: "Build.")
        open.sample("app_build_info", labels: [("version", "1.0")], 1)
        #expect(open.finish() == """
            # HELP jobs Jobs done.
            # TYPE jobs counter
            jobs_total 3
            # HELP app_build Build.
            # TYPE app_build info
            app_build_info{version="1.0"} 1
            # EOF

            """)
    }

    @Test func labelValuesUseOnlyTheThreeEscapesTheFormatsDefine() {
        #expect(MetricsExposition.escapedLabelValue("plain") == "plain")
        #expect(MetricsExposition.escapedLabelValue("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
        // No JSON-style \u escapes, which promtool and Prometheus reject: UTF-8 goes in as it is.
        #expect(MetricsExposition.escapedLabelValue("<café>\t") == "<café>\t")
    }

    @Test func numbersAreWrittenAsPrometheusReadsThem() {
        #expect(MetricsExposition.number(.infinity) == "+Inf")
        #expect(MetricsExposition.number(-.infinity) == "-Inf")
        #expect(MetricsExposition.number(.nan) == "NaN")
        #expect(MetricsExposition.number(0.00025) == "0.00025")
        #expect(MetricsExposition.number(2.5) == "2.5")
    }
}
