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

    /// `2026-11-29T10:00:00.123Z`, from the real-time clock.
    static func timestamp() -> String {
        var bytes: [UInt8] = []
        LogTimestamp.append(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func jsonString(_ value: String) -> String {
        LogEscaping.jsonString(value)
    }
}
