import Glibc
import HTTPServer
import Synchronization

/// Request counters, a latency histogram and the process metrics, rendered in the Prometheus
/// text format (0.0.4) or OpenMetrics 1.0.0 (`MetricsExposition`).
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
        var requests = [Int](repeating: 0, count: RouteLabel.allCases.count * Metrics.methodLabels.count * Metrics.statusClasses)
        var buckets = [Int](repeating: 0, count: RouteLabel.allCases.count * Metrics.bucketBounds.count)
        var durationCounts = [Int](repeating: 0, count: RouteLabel.allCases.count)
        var durationSums = [Double](repeating: 0, count: RouteLabel.allCases.count)
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
    func observe(route: RouteLabel, method: HTTPMethod?, status: Int, seconds: Double?) {
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

    /// The exposition in the format the scraper asked for.
    /// - Parameters:
    ///   - format: The classic Prometheus text or OpenMetrics.
    ///   - openConnections: Connections open now.
    ///   - acceptedConnections: Connections accepted since start.
    ///   - slowClientsCut: Connections cut off for being too slow, by reason label.
    ///   - droppedLogLines: Log lines dropped because the log consumer stalled, when known.
    ///   - visitsTotal: The last known visit total, if any.
    ///   - version: The application's version.
    ///   - variant: The image variant.
    ///   - process: The process metrics, read at this scrape; nil where procfs is missing.
    func render(
        format: MetricsExposition.Format = .text,
        openConnections: Int, acceptedConnections: Int, slowClientsCut: [(reason: String, count: Int)] = [],
        droppedLogLines: Int? = nil, visitsTotal: Int?, version: String, variant: String,
        process: ProcessMetrics? = ProcessMetrics.current()
    ) -> String {
        let snapshot = state.withLock { $0 }
        let routes = RouteLabel.allCases.sorted { $0.value < $1.value }
        let methods = Self.methodLabels.indices.sorted { Self.methodLabels[$0] < Self.methodLabels[$1] }
        var out = MetricsExposition(format: format)
        out.family("http_requests", .counter, help: "Requests answered, by route, method and status class.")
        for route in routes {
            for method in methods {
                for statusIndex in 0..<Self.statusClasses {
                    let value = snapshot.requests[(route.rawValue * Self.methodLabels.count + method) * Self.statusClasses + statusIndex]
                    guard value > 0 else { continue }
                    out.sample(
                        "http_requests_total",
                        labels: [("route", route.value), ("method", Self.methodLabels[method]), ("status", "\(statusIndex + 1)xx")],
                        value)
                }
            }
        }
        out.family(
            "http_request_duration_seconds", .histogram, help: "Time from a complete request to its response being handed to the connection.")
        for route in routes where snapshot.durationCounts[route.rawValue] > 0 {
            var cumulative = 0
            for (index, bound) in Self.bucketBounds.enumerated() {
                cumulative += snapshot.buckets[route.rawValue * Self.bucketBounds.count + index]
                out.sample(
                    "http_request_duration_seconds_bucket", labels: [("route", route.value), ("le", MetricsExposition.number(bound))],
                    cumulative)
            }
            out.sample(
                "http_request_duration_seconds_bucket", labels: [("route", route.value), ("le", "+Inf")],
                snapshot.durationCounts[route.rawValue])
            out.sample("http_request_duration_seconds_sum", labels: [("route", route.value)], snapshot.durationSums[route.rawValue])
            out.sample("http_request_duration_seconds_count", labels: [("route", route.value)], snapshot.durationCounts[route.rawValue])
        }
        out.family("http_open_connections", .gauge, help: "Client connections open now.")
        out.sample("http_open_connections", openConnections)
        out.family("http_connections_accepted", .counter, help: "Client connections accepted since start.")
        out.sample("http_connections_accepted_total", acceptedConnections)
        if !slowClientsCut.isEmpty {
            out.family("http_slow_clients_cut", .counter, help: "Connections cut off because the client was too slow, by reason.")
            for (reason, count) in slowClientsCut {
                out.sample("http_slow_clients_cut_total", labels: [("reason", reason)], count)
            }
        }
        if let droppedLogLines {
            out.family("log_lines_dropped", .counter, help: "Log lines dropped because the log consumer (stdout, stderr) did not keep up.")
            out.sample("log_lines_dropped_total", droppedLogLines)
        }
        if let visitsTotal {
            // A counter, not a gauge: visits only ever add up, and what a dashboard wants is
            // `rate(demo_visits_total[5m])`, visits per second. The value is the database's total
            // (it does not restart from 0 with the process, which rate() takes in its stride);
            // replicas sharing one PostgreSQL database each report that same total, so aggregate
            // them with max(), not sum().
            out.family("demo_visits", .counter, help: "Visits recorded in the database, all variants, as last read by this process.")
            out.sample("demo_visits_total", visitsTotal)
        }
        out.family("demo_build", .info, help: "Build information: the release and the versions of what is linked in; the value is always 1.")
        out.sample("demo_build_info", labels: [("version", version), ("variant", variant)] + BuildInfo.metricLabels, 1)
        if let process {
            out.family("process_cpu_seconds", .counter, help: "Total user and system CPU time spent in seconds.")
            out.sample("process_cpu_seconds_total", process.cpuSeconds)
            if let open = process.openFileDescriptors {
                out.family("process_open_fds", .gauge, help: "Number of open file descriptors.")
                out.sample("process_open_fds", open)
            }
            if let max = process.maxFileDescriptors {
                out.family("process_max_fds", .gauge, help: "Maximum number of open file descriptors.")
                out.sample("process_max_fds", max)
            }
            out.family("process_virtual_memory_bytes", .gauge, help: "Virtual memory size in bytes.")
            out.sample("process_virtual_memory_bytes", process.virtualMemoryBytes)
            out.family("process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.")
            out.sample("process_resident_memory_bytes", process.residentMemoryBytes)
            out.family("process_start_time_seconds", .gauge, help: "Start time of the process since unix epoch in seconds.")
            out.sample("process_start_time_seconds", process.startTimeSeconds)
        } else {
            out.family("process_start_time_seconds", .gauge, help: "Start time of the process since unix epoch in seconds.")
            out.sample("process_start_time_seconds", processStart)
        }
        return out.finish()
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
