#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import HTTPServer
import Logging
import Synchronization
import Testing

@testable import DemoApp
@testable import demo_server

/// The access log's own writer gives, byte for byte, the line swift-log and `LineLogHandler` give
/// for the same entry (apart from the time), in both formats, for plain and hostile values.
@Suite struct AccessLogWriterTests {
    /// Keeps what a `LoggerAccessLog` hands to swift-log.
    private final class Recorder: LogHandler, @unchecked Sendable {
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        let events = Mutex<[(message: String, metadata: Logger.Metadata)]>([])
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            events.withLock { $0.append((event.message.description, event.metadata ?? [:])) }
        }
    }

    private static let ids = RandomIDSource()

    private static func request(target: String, userAgent: String?, requestID: String? = nil) -> AccessLogEntry {
        var headers: HTTPHeaders = [:]
        if let userAgent { headers.add("User-Agent", userAgent) }
        if let requestID { headers.add("X-Request-Id", requestID) }
        let request = HTTPRequest(method: .get, target: target, headers: headers, remoteAddress: "127.0.0.1")
        return AccessLogEntry(
            answering: request, trace: RequestTrace(headers: headers, ids: ids), status: 200, bytes: 33, seconds: 0.0123456)
    }

    private static let entries: [AccessLogEntry] = [
        request(target: "/basic", userAgent: "curl/8.5.0", requestID: "req-0001"),
        request(target: "/", userAgent: nil),
        request(target: "/a%20b?x=\"y\"", userAgent: "Mozilla/5.0 (X11; Linux x86_64)\tremote=evil"),
        request(target: "/caf\u{E9}/\u{202E}gnp.exe", userAgent: "line\u{2028}break \u{85}nel \u{1F600} \\ \u{7F}"),
        request(target: "/" + String(repeating: "\u{E9}", count: 1500), userAgent: String(repeating: "u", count: 3000)),
        request(target: "/x", userAgent: ""),
        AccessLogEntry(rejectedWith: 400, reason: "malformed header field", remoteAddress: "10.0.0.1", trace: RequestTrace(ids: ids)),
        AccessLogEntry(rejectedWith: 431, reason: "header \"too\" large", remoteAddress: "::1", trace: RequestTrace(ids: ids)),
    ]

    /// The line as the swift-log path writes it: `LoggerAccessLog`'s event, formatted by
    /// `LineLogHandler`.
    private static func swiftLogLine(_ entry: AccessLogEntry, format: LogFormat) throws -> String {
        let recorder = Recorder()
        LoggerAccessLog(Logger(label: "access") { _ in recorder }).record(entry)
        let event = try #require(recorder.events.withLock { $0.first })
        return LineLogHandler.line(label: "access", level: .info, message: event.message, fields: event.metadata, format: format)
    }

    private static func writerLine(_ entry: AccessLogEntry, format: LogFormat) -> String {
        var bytes: [UInt8] = []
        AccessLogWriter.append(entry, format: format, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The line with its timestamp (24 characters, in either format) replaced.
    private static func withoutTime(_ line: String, format: LogFormat) -> String {
        let utf8 = Array(line.utf8)
        let start = format == .text ? 0 : #"{"timestamp":""#.utf8.count
        guard utf8.count > start + LogTimestamp.length else { return line }
        return String(decoding: utf8[..<start] + Array("TIME".utf8) + utf8[(start + LogTimestamp.length)...], as: UTF8.self)
    }

    @Test(arguments: [LogFormat.text, .json])
    func linesAreTheOnesSwiftLogWrote(format: LogFormat) throws {
        for entry in Self.entries {
            let expected = Self.withoutTime(try Self.swiftLogLine(entry, format: format), format: format)
            let written = Self.withoutTime(Self.writerLine(entry, format: format), format: format)
            #expect(written == expected)
        }
    }

    @Test func timestampsMatchTheCalendar() {
        // Leap days, century rules, ends of months and years, the epoch, far ahead.
        var seconds = [0, 951_782_400, 951_868_799, 1_709_208_000, 4_107_542_399, 4_102_444_800, 253_402_300_799]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            seconds.append(Int(state >> 33) % 8_000_000_000)
        }
        for value in seconds {
            var bytes: [UInt8] = []
            LogTimestamp.append(secondsSinceEpoch: value, milliseconds: 7, to: &bytes)
            var time = time_t(value)
            var parts = tm()
            gmtime_r(&time, &parts)
            func two(_ number: Int32) -> String { number < 10 ? "0\(number)" : "\(number)" }
            let expected = "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
                + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).007Z"
            #expect(String(decoding: bytes, as: UTF8.self) == expected, "at \(value)")
        }
    }
}
