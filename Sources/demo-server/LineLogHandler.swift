import Glibc
import Logging

/// How log lines look.
enum LogFormat: String, CaseIterable {
    /// `2026-11-29T10:00:00.123Z info access: GET / 200 remote=127.0.0.1 ...`
    case text
    /// One JSON object per line, for log shippers.
    case json
}

/// A swift-log backend that formats one line per event: info and below go to stdout, warnings
/// and errors to stderr, each through a `LogOutput` writer thread, so logging never blocks the
/// caller (an event loop) on a slow consumer. Each line is written whole, so lines from several
/// threads never interleave. Timestamps are UTC.
struct LineLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    let output: LogOutput
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        // swift-log's precedence: the handler's metadata, then the provider's (e.g. a request
        // ID from a task local), then the event's own.
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        let line = Self.line(label: label, level: event.level, message: event.message.description, fields: fields, format: format)
        (event.level >= .warning ? output.standardError : output.standardOutput).append(line)
    }

    /// One formatted line, newline included.
    static func line(label: String, level: Logger.Level, message: String, fields: Logger.Metadata, format: LogFormat) -> String {
        let timestamp = Self.timestamp()
        var line: String
        switch format {
        case .text:
            line = "\(timestamp) \(level) \(label): \(LogEscaping.textMessage(message))"
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
                line += " \(key)=\(LogEscaping.textValue("\(value)"))"
            }
        case .json:
            line = "{\"timestamp\":\"\(timestamp)\",\"level\":\"\(level)\",\"logger\":\(Self.jsonString(label)),"
                + "\"message\":\(Self.jsonString(message))"
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
                line += ",\(Self.jsonString(key)):\(Self.jsonString("\(value)"))"
            }
            line += "}"
        }
        line += "\n"
        return line
    }

    /// `2026-11-29T10:00:00.123Z`, from the real-time clock, by hand (no Foundation formatter).
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let millis = Int32(now.tv_nsec / 1_000_000)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(millis, 3))Z"
    }

    private static func jsonString(_ value: String) -> String {
        LogEscaping.jsonString(value)
    }
}
