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

    private struct RequestKey: Hashable, Comparable {
        let route: String
        let method: String
        let statusClass: String

        static func < (lhs: RequestKey, rhs: RequestKey) -> Bool {
            (lhs.route, lhs.method, lhs.statusClass) < (rhs.route, rhs.method, rhs.statusClass)
        }
    }

    private struct Histogram {
        var buckets = [Int](repeating: 0, count: Metrics.bucketBounds.count)
        var count = 0
        var sum = 0.0
    }

    private struct State {
        var requests: [RequestKey: Int] = [:]
        var durations: [String: Histogram] = [:]
    }

    private let state = Mutex(State())
    private let processStart = HTTPDate.nowEpochSecondsFraction()

    /// Counts one answered request.
    /// - Parameters:
    ///   - route: The route's name (`/api/visits`, `static`, `unmatched`...).
    ///   - method: The request method; unusual methods are folded into `other`.
    ///   - status: The response status code.
    ///   - seconds: Time from receiving the request to handing over the response.
    func observe(route: String, method: String, status: Int, seconds: Double) {
        let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        let key = RequestKey(
            route: route, method: knownMethods.contains(method) ? method : "other", statusClass: "\(status / 100)xx")
        let bucket = Self.bucketBounds.firstIndex { seconds <= $0 }
        state.withLock { state in
            state.requests[key, default: 0] += 1
            var histogram = state.durations[route] ?? Histogram()
            if let bucket { histogram.buckets[bucket] += 1 }
            histogram.count += 1
            histogram.sum += seconds
            state.durations[route] = histogram
        }
    }

    /// The exposition text.
    /// - Parameters:
    ///   - openConnections: Connections open now.
    ///   - acceptedConnections: Connections accepted since start.
    ///   - visitsTotal: The visit count, when the store answered.
    ///   - version: The application version.
    ///   - variant: The image variant.
    func render(openConnections: Int, acceptedConnections: Int, visitsTotal: Int?, version: String, variant: String) -> String {
        let snapshot = state.withLock { $0 }
        var text = ""
        text += "# HELP http_requests_total Requests answered, by route, method and status class.\n"
        text += "# TYPE http_requests_total counter\n"
        for (key, value) in snapshot.requests.sorted(by: { $0.key < $1.key }) {
            text += "http_requests_total{route=\(key.route.jsonQuoted),method=\"\(key.method)\",status=\"\(key.statusClass)\"} \(value)\n"
        }
        text += "# HELP http_request_duration_seconds Time from a complete request to its response being handed to the connection.\n"
        text += "# TYPE http_request_duration_seconds histogram\n"
        for (route, histogram) in snapshot.durations.sorted(by: { $0.key < $1.key }) {
            var cumulative = 0
            for (index, bound) in Self.bucketBounds.enumerated() {
                cumulative += histogram.buckets[index]
                text += "http_request_duration_seconds_bucket{route=\(route.jsonQuoted),le=\"\(bound)\"} \(cumulative)\n"
            }
            text += "http_request_duration_seconds_bucket{route=\(route.jsonQuoted),le=\"+Inf\"} \(histogram.count)\n"
            text += "http_request_duration_seconds_sum{route=\(route.jsonQuoted)} \(histogram.sum)\n"
            text += "http_request_duration_seconds_count{route=\(route.jsonQuoted)} \(histogram.count)\n"
        }
        text += "# HELP http_open_connections Client connections open now.\n# TYPE http_open_connections gauge\n"
        text += "http_open_connections \(openConnections)\n"
        text += "# HELP http_connections_accepted_total Client connections accepted since start.\n"
        text += "# TYPE http_connections_accepted_total counter\nhttp_connections_accepted_total \(acceptedConnections)\n"
        if let visitsTotal {
            text += "# HELP demo_visits_total Visits recorded in the database, all variants.\n"
            text += "# TYPE demo_visits_total gauge\ndemo_visits_total \(visitsTotal)\n"
        }
        text += "# HELP demo_build_info Build information; the value is always 1.\n# TYPE demo_build_info gauge\n"
        text += "demo_build_info{version=\(version.jsonQuoted),swift=\(DemoVersion.swiftVersion.jsonQuoted),variant=\(variant.jsonQuoted)} 1\n"
        text += "# HELP process_start_time_seconds Start time of the process since the Unix epoch.\n"
        text += "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds \(processStart)\n"
        if let resident = Self.residentMemoryBytes() {
            text += "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            text += "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes \(resident)\n"
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
