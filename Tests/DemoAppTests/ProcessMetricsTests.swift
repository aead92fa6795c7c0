#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing

@testable import DemoApp

/// The standard process metrics, parsed from procfs as the Prometheus client libraries read them.
@Suite struct ProcessMetricsTests {
    @Test func statFieldsAreCountedFromTheLastParenthesis() throws {
        // A command name may hold spaces and parentheses: `(a) b (c)`.
        let line = "4242 ((a) b (c)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 3 0 123456 405000000 3500 "
            + "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n"
        let fields = try #require(ProcessMetrics.statFields(Array(line.utf8)))
        #expect(fields == ProcessMetrics.StatFields(userTicks: 250, systemTicks: 50, startTicks: 123456, virtualBytes: 405_000_000, residentPages: 3500))
        #expect(ProcessMetrics.statFields(Array("no stat here".utf8)) == nil)
        #expect(ProcessMetrics.statFields(Array("1 (x) S 1 2".utf8)) == nil)
    }

    @Test func thisProcessesValuesAreSane() throws {
        let metrics = try #require(ProcessMetrics.current())
        let openFDs = try #require(metrics.openFileDescriptors)
        let maxFDs = try #require(metrics.maxFileDescriptors)
        #expect(openFDs >= 3, "at least stdin, stdout and stderr")
        #expect(openFDs <= maxFDs)
        #expect(metrics.residentMemoryBytes > 0)
        #expect(metrics.residentMemoryBytes <= metrics.virtualMemoryBytes)
        #expect(metrics.cpuSeconds >= 0)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        #expect(metrics.startTimeSeconds <= Double(now.tv_sec) + 1)
        #expect(metrics.startTimeSeconds > Double(now.tv_sec) - 86_400, "the test process started within the last day")
    }
}
