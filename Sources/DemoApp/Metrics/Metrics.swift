#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import HTTPServer
import Synchronization

/// Request counters and a latency histogram, rendered in the Prometheus text format (0.0.4).
///
/// Hand-written rather than swift-metrics + swift-prometheus: six series do not justify two
/// dependencies. Routes are labelled by route name, never by raw path, so a scan of random URLs
/// cannot grow the series without bound.
final class Metrics: Sendable {
    /// Upper bounds of the duration buckets in seconds; handler time is mostly microseconds.
    static let bucketBounds: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    /// Method labels; any other method is counted as `other` (the last slot).
    private static let methodLabels = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"]
    /// Status classes 1xx to 5xx.
    private static let statusClasses = 5

    /// Every series in flat arrays with one slot per route, method and status class, allocated
    /// once: `observe` runs for every request, so it must not allocate or hash.
    private struct State {
        var requests = [Int](repeating: 0, count: Route.allCases.count * Metrics.methodLabels.count * Metrics.statusClasses)
        var buckets = [Int](repeating: 0, count: Route.allCases.count * Metrics.bucketBounds.count)
        var durationCounts = [Int](repeating: 0, count: Route.allCases.count)
        var durationSums = [Double](repeating: 0, count: Route.allCases.count)
    }

    private let state = Mutex(State())
    private let processStart = HTTPDate.nowEpochSecondsFraction()

    /// Counts one answered request.
    /// - Parameters:
    ///   - route: The route that answered (`static` and `unmatched` for the catch-alls).
    ///   - method: The request method; unusual methods, and none (a request that could not be
    ///     parsed), are counted as `other`.
    ///   - status: The response status code.
    ///   - seconds: Time from receiving the request to handing over the response; nil for a
    ///     request the server answered itself, which counts but has no handler time.
    func observe(route: Route, method: HTTPMethod?, status: Int, seconds: Double?) {
        let methodIndex = method.flatMap { Self.methodLabels.firstIndex(of: $0.rawValue) } ?? Self.methodLabels.count - 1
        let statusIndex = min(max(status / 100, 1), Self.statusClasses) - 1
        let requestIndex = (route.rawValue * Self.methodLabels.count + methodIndex) * Self.statusClasses + statusIndex
        let bucket = seconds.flatMap { seconds in Self.bucketBounds.firstIndex { seconds <= $0 } }
        state.withLock { state in
            state.requests[requestIndex] += 1
            guard let seconds else { return }
            if let bucket { state.buckets[route.rawValue * Self.bucketBounds.count + bucket] += 1 }
            state.durationCounts[route.rawValue] += 1
            state.durationSums[route.rawValue] += seconds
        }
    }

    /// The exposition text.
    /// - Parameters:
    ///   - openConnections: Connections open now.
    ///   - acceptedConnections: Connections accepted since start.
    ///   - visitsTotal: The visit count, when the store answered.
    ///   - version: The application version.
    ///   - variant: The image variant.
    /// - Parameters:
    ///   - openConnections: Connections open now.
    ///   - acceptedConnections: Connections accepted since start.
    ///   - slowClientsCut: Connections cut off for being too slow, by reason label.
    ///   - droppedLogLines: Log lines dropped because the log consumer stalled, when known.
    ///   - visitsTotal: The last known visit total, if any.
    ///   - version: The application's version.
    ///   - variant: The image variant.
    func render(
        openConnections: Int, acceptedConnections: Int, slowClientsCut: [(reason: String, count: Int)] = [],
        droppedLogLines: Int? = nil, visitsTotal: Int?, version: String, variant: String
    ) -> String {
        let snapshot = state.withLock { $0 }
        let routes = Route.allCases.sorted { $0.label < $1.label }
        let methods = Self.methodLabels.indices.sorted { Self.methodLabels[$0] < Self.methodLabels[$1] }
        var text = ""
        text += "# HELP http_requests_total Requests answered, by route, method and status class.\n"
        text += "# TYPE http_requests_total counter\n"
        for route in routes {
            for method in methods {
                for statusIndex in 0..<Self.statusClasses {
                    let value = snapshot.requests[(route.rawValue * Self.methodLabels.count + method) * Self.statusClasses + statusIndex]
                    guard value > 0 else { continue }
                    text += "http_requests_total{route=\(route.label.jsonQuoted),method=\"\(Self.methodLabels[method])\",status=\"\(statusIndex + 1)xx\"} \(value)\n"
                }
            }
        }
        text += "# HELP http_request_duration_seconds Time from a complete request to its response being handed to the connection.\n"
        text += "# TYPE http_request_duration_seconds histogram\n"
        for route in routes where snapshot.durationCounts[route.rawValue] > 0 {
            let label = route.label.jsonQuoted
            var cumulative = 0
            for (index, bound) in Self.bucketBounds.enumerated() {
                cumulative += snapshot.buckets[route.rawValue * Self.bucketBounds.count + index]
                text += "http_request_duration_seconds_bucket{route=\(label),le=\"\(bound)\"} \(cumulative)\n"
            }
            text += "http_request_duration_seconds_bucket{route=\(label),le=\"+Inf\"} \(snapshot.durationCounts[route.rawValue])\n"
            text += "http_request_duration_seconds_sum{route=\(label)} \(snapshot.durationSums[route.rawValue])\n"
            text += "http_request_duration_seconds_count{route=\(label)} \(snapshot.durationCounts[route.rawValue])\n"
        }
        text.appendSingleSeries("http_open_connections", type: "gauge", help: "Client connections open now.", value: openConnections)
        text.appendSingleSeries(
            "http_connections_accepted_total", type: "counter", help: "Client connections accepted since start.",
            value: acceptedConnections)
        if !slowClientsCut.isEmpty {
            text += "# HELP http_slow_clients_cut_total Connections cut off because the client was too slow, by reason.\n"
            text += "# TYPE http_slow_clients_cut_total counter\n"
            for (reason, count) in slowClientsCut {
                text += "http_slow_clients_cut_total{reason=\(reason.jsonQuoted)} \(count)\n"
            }
        }
        if let droppedLogLines {
            text.appendSingleSeries(
                "log_lines_dropped_total", type: "counter",
                help: "Log lines dropped because the log consumer (stdout, stderr) did not keep up.", value: droppedLogLines)
        }
        if let visitsTotal {
            text.appendSingleSeries("demo_visits_total", type: "gauge", help: "Visits recorded in the database, all variants.", value: visitsTotal)
        }
        text.appendSingleSeries(
            "demo_build_info", type: "gauge", help: "Build information: the release and the versions of what is linked in; the value is always 1.",
            labels: "version=\(version.jsonQuoted),variant=\(variant.jsonQuoted),\(BuildInfo.metricLabels)",
            value: 1)
        text.appendSingleSeries(
            "process_start_time_seconds", type: "gauge", help: "Start time of the process since the Unix epoch.", value: processStart)
        if let resident = Self.residentMemoryBytes() {
            text.appendSingleSeries("process_resident_memory_bytes", type: "gauge", help: "Resident memory size in bytes.", value: resident)
        }
        return text
    }

    /// RSS from `/proc/self/statm` (second field, in pages).
    static func residentMemoryBytes() -> Int? {
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let fields = String(decoding: buffer[..<count], as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

extension HTTPDate {
    /// The wall-clock time in seconds since the Unix epoch, with fractions.
    static func nowEpochSecondsFraction() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

extension String {
    /// Appends a metric with one sample: its `# HELP` and `# TYPE` lines, then `name{labels} value`.
    fileprivate mutating func appendSingleSeries(
        _ name: String, type: String, help: String, labels: String = "", value: some CustomStringConvertible
    ) {
        self += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name)\(labels.isEmpty ? "" : "{\(labels)}") \(value)\n"
    }
}
