import Glibc

/// Draws image sizes as an inline SVG bar chart on a log scale: a 4 GB image and a 15 MB one
/// differ by 250×, and a linear axis would leave the small bars invisible.
enum ImageSizeChart {
    private struct Bar {
        let label: String
        let megabytes: Double
        let isReference: Bool
        let note: String?
    }

    // The chart is drawn narrow (a phone's width) and scaled up by CSS on wider screens: each bar
    // has its label and value on a line above it and its note on a line below, so nothing sits
    // beside the bar and the text keeps its size on a 390 px screen (an 820-unit-wide chart
    // with labels beside the bars scaled 13 px text down to about 5 px there).
    private static let width = 360.0
    private static let barHeight = 12.0
    private static let minMegabytes = 1.0
    private static let maxMegabytes = 10_000.0

    /// The `<svg>` element, or nil when there is nothing to draw.
    /// - Parameters:
    ///   - sizes: The measured sizes.
    ///   - currentVariant: Highlighted as "this page".
    static func svg(for sizes: ImageSizes, currentVariant: String) -> String {
        var bars = sizes.images.map { image in
            Bar(
                label: "Swift \(image.variant)",
                megabytes: Double(readerBytes(of: image)) / 1_000_000,
                isReference: false,
                note: note(for: image, currentVariant: currentVariant))
        }
        bars += ImageSizes.flaskReference.map { Bar(label: $0.label, megabytes: $0.megabytes, isReference: true, note: nil) }
        var rows = ""
        var y = 0.0
        for bar in bars {
            let length = max(2, scaled(bar.megabytes) * width)
            let kind = bar.isReference ? "reference" : "swift"
            rows += "<text class=\"label\" x=\"0\" y=\"\(format(y + 14))\">\(bar.label.htmlEscaped)</text>"
            rows += "<text class=\"value\" x=\"\(format(width))\" y=\"\(format(y + 14))\" text-anchor=\"end\">\(formatMegabytes(bar.megabytes))</text>"
            rows += "<rect class=\"bar \(kind)\" x=\"0\" y=\"\(format(y + 20))\" width=\"\(format(length))\" height=\"\(format(barHeight))\" rx=\"3\"/>"
            y += 20 + barHeight
            if let note = bar.note {
                rows += "<text class=\"note\" x=\"0\" y=\"\(format(y + 14))\">\(note.htmlEscaped)</text>"
                y += 18
            }
            y += 10
        }
        let axisY = y + 8
        for tick in [1.0, 10, 100, 1_000, 10_000] {
            let position = scaled(tick)
            let anchor = position == 0 ? "start" : position == 1 ? "end" : "middle"
            rows += "<text class=\"axis\" x=\"\(format(position * width))\" y=\"\(format(axisY))\" text-anchor=\"\(anchor)\">\(formatMegabytes(tick))</text>"
        }
        return """
            <svg class="chart" role="img" viewBox="0 0 \(Int(width)) \(Int(axisY + 4))" \
            xmlns="http://www.w3.org/2000/svg" aria-labelledby="chart-title">\
            <title id="chart-title">Image sizes in MB, log scale</title>
            """ + rows + "</svg>"
    }

    /// What a reader gets: with the official base where the image was measured on a local
    /// stand-in or replica of it (its own layers as measured plus the base's published size).
    static func readerBytes(of image: ImageSizes.Image) -> Int {
        guard image.baseIsStandIn == true, let expected = image.withOfficialBase else { return image.bytes }
        return expected.bytes
    }

    /// "serving this page", and for a bar derived from the official base, the mark and what was
    /// measured on the local base (e.g. `* official base; stand-in here 13.8 MB`).
    private static func note(for image: ImageSizes.Image, currentVariant: String) -> String? {
        var parts: [String] = []
        if image.variant == currentVariant { parts.append("serving this page") }
        if image.baseIsStandIn == true {
            let kind = image.baseKind ?? "stand-in"
            if image.withOfficialBase != nil {
                parts.append("* official base; \(kind) here \(formatMegabytes(Double(image.bytes) / 1_000_000))")
            } else {
                parts.append("* \(kind) base")
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    /// Position on the log axis, 0...1.
    private static func scaled(_ megabytes: Double) -> Double {
        let clamped = min(max(megabytes, minMegabytes), maxMegabytes)
        return log10(clamped / minMegabytes) / log10(maxMegabytes / minMegabytes)
    }

    /// `4.3 GB`, `263 MB`, `15.2 MB`.
    static func formatMegabytes(_ megabytes: Double) -> String {
        if megabytes >= 1_000 { return "\(oneDecimal(megabytes / 1_000)) GB" }
        if megabytes >= 100 { return "\(Int(megabytes.rounded())) MB" }
        return "\(oneDecimal(megabytes)) MB"
    }

    private static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }

    private static func format(_ value: Double) -> String {
        "\(Int(value.rounded()))"
    }
}
