/// Writes metric families in one of the two exposition formats Prometheus scrapes: the classic
/// text format (0.0.4) or OpenMetrics 1.0.0, whichever the scraper asked for.
///
/// The two differ in a few places, all handled here so the metrics are declared once:
/// - a counter's family is named without `_total` in OpenMetrics (`# TYPE http_requests counter`,
///   samples `http_requests_total`); the classic format names the family after its sample;
/// - build information is the `info` type in OpenMetrics (`demo_build` → `demo_build_info`), a
///   gauge named `demo_build_info` in the classic format;
/// - OpenMetrics ends with `# EOF`, and a scrape without it is treated as truncated.
struct MetricsExposition {
    /// The wire format of one scrape.
    enum Format: Sendable, Equatable {
        /// The Prometheus text format 0.0.4, which every scraper reads.
        case text
        /// OpenMetrics 1.0.0 text (https://prometheus.io/docs/specs/om/open_metrics_spec/).
        case openMetrics

        /// The `Content-Type` of a scrape in this format.
        var contentType: String {
            switch self {
            case .text: "text/plain; version=0.0.4; charset=utf-8"
            case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
            }
        }

        /// The format a scraper's `Accept` fields ask for (RFC 9110 §12.5.1): OpenMetrics when
        /// `application/openmetrics-text` (version 1.0.0, or none given) is acceptable and
        /// preferred at least as much as the classic text; the classic text otherwise, also
        /// when nothing is asked, as Prometheus' own client libraries do.
        ///
        /// Prometheus 2.x sends `application/openmetrics-text;version=1.0.0,
        /// application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1`.
        /// - Parameter accept: Every `Accept` field value of the request.
        static func negotiate(accept: [String]) -> Format {
            var openMetricsQuality = 0.0
            var textQuality = 0.0
            for field in accept {
                for element in field.split(separator: ",") {
                    let parameters = element.split(separator: ";").map { $0.trimmingSpaces() }
                    guard let mediaType = parameters.first?.lowercased() else { continue }
                    var quality = 1.0
                    var version: Substring?
                    for parameter in parameters.dropFirst() {
                        let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
                        guard pair.count == 2 else { continue }
                        switch pair[0].lowercased() {
                        case "q": quality = Double(pair[1]).map { min(max($0, 0), 1) } ?? 0
                        case "version": version = pair[1]
                        default: break
                        }
                    }
                    switch mediaType {
                    case "application/openmetrics-text" where version == nil || version == "1.0.0":
                        openMetricsQuality = max(openMetricsQuality, quality)
                    case "text/plain", "text/*", "*/*":
                        textQuality = max(textQuality, quality)
                    default:
                        continue
                    }
                }
            }
            return openMetricsQuality > 0 && openMetricsQuality >= textQuality ? .openMetrics : .text
        }
    }

    /// What a family's samples mean, as both formats name it.
    enum FamilyType: String {
        case counter, gauge, histogram
        /// A gauge whose value is always 1 and whose labels carry the information.
        case info
    }

    let format: Format
    private(set) var text = ""

    /// An empty exposition.
    /// - Parameter format: The format to write.
    init(format: Format) {
        self.format = format
        text.reserveCapacity(8192)
    }

    /// Starts a family: its `# HELP` and `# TYPE` lines.
    /// - Parameters:
    ///   - name: The family name: for a counter without `_total`, for info without `_info`.
    ///   - type: The family type.
    ///   - help: One line of help text.
    mutating func family(_ name: String, _ type: FamilyType, help: String) {
        let declared: String
        let typeName: String
        switch (format, type) {
        case (.text, .counter): (declared, typeName) = (name + "_total", "counter")
        case (.text, .info): (declared, typeName) = (name + "_info", "gauge")
        default: (declared, typeName) = (name, type.rawValue)
        }
        text += "# HELP \(declared) \(Self.escapedHelp(help, format: format))\n# TYPE \(declared) \(typeName)\n"
    }

    /// One sample of the family started last.
    /// - Parameters:
    ///   - name: The sample name (`http_requests_total`, `http_request_duration_seconds_bucket`).
    ///   - labels: Label names and values; values are escaped here.
    ///   - value: The value.
    mutating func sample(_ name: String, labels: [(String, String)] = [], _ value: Int) {
        appendName(name, labels: labels)
        text += " \(value)\n"
    }

    /// One sample of the family started last, with a fractional value.
    /// - Parameters:
    ///   - name: The sample name.
    ///   - labels: Label names and values; values are escaped here.
    ///   - value: The value; infinities and NaN are written as both formats spell them.
    mutating func sample(_ name: String, labels: [(String, String)] = [], _ value: Double) {
        appendName(name, labels: labels)
        text += " \(Self.number(value))\n"
    }

    /// The finished exposition; OpenMetrics' `# EOF` is added here.
    mutating func finish() -> String {
        if format == .openMetrics { text += "# EOF\n" }
        return text
    }

    private mutating func appendName(_ name: String, labels: [(String, String)]) {
        text += name
        guard !labels.isEmpty else { return }
        text += "{"
        for (index, label) in labels.enumerated() {
            if index > 0 { text += "," }
            text += label.0
            text += "=\""
            text += Self.escapedLabelValue(label.1)
            text += "\""
        }
        text += "}"
    }

    /// A float as both formats read it (Go's `ParseFloat`): `+Inf`, `-Inf`, `NaN`, else Swift's
    /// shortest round-tripping digits (`0.00025`, `1.0`, `1e-07`).
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return "\(value)"
    }

    /// A label value's escapes: both formats define exactly three (`\\`, `\"`, `\n`); anything
    /// else, JSON's `\u` escapes included, is an error to the scraper, so other characters go in
    /// as they are (UTF-8).
    static func escapedLabelValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") }) else {
            return value
        }
        var result = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Help text's escapes: `\\` and `\n` in both formats; OpenMetrics also escapes `"` (its
    /// help is an escaped string like a label value), which the classic format would keep as two
    /// characters.
    private static func escapedHelp(_ help: String, format: Format) -> String {
        var result = ""
        for scalar in help.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\"" where format == .openMetrics: result += "\\\""
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (RFC 9110 §5.6.3's OWS).
    fileprivate func trimmingSpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
