#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Draws image sizes as an inline SVG bar chart on a log scale: a 4 GB image and a 15 MB one
/// differ by 250×, and a linear axis would leave the small bars invisible.
enum ImageSizeChart {
    private struct Bar {
        let label: String
        let megabytes: Double
        let isReference: Bool
        let note: String?
    }

    private static let labelWidth = 170.0
    private static let barAreaWidth = 360.0
    private static let rowHeight = 30.0
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
        // Room after the longest bar for its value and note ("4.2 GB · * official base; replica here 4.1 GB").
        let width = labelWidth + barAreaWidth + 290
        let height = Double(bars.count) * rowHeight + 30
        var svg = """
            <svg class="chart" role="img" viewBox="0 0 \(Int(width)) \(Int(height))" \
            xmlns="http://www.w3.org/2000/svg" aria-labelledby="chart-title">\
            <title id="chart-title">Image sizes in MB, log scale</title>
            """
        for (index, bar) in bars.enumerated() {
            let y = Double(index) * rowHeight
            let length = max(2, scaled(bar.megabytes) * barAreaWidth)
            let kind = bar.isReference ? "reference" : "swift"
            svg += "<text class=\"label\" x=\"\(Int(labelWidth - 8))\" y=\"\(format(y + 19))\" text-anchor=\"end\">\(bar.label.htmlEscaped)</text>"
            svg += "<rect class=\"bar \(kind)\" x=\"\(Int(labelWidth))\" y=\"\(format(y + 6))\" width=\"\(format(length))\" height=\"18\" rx=\"3\"/>"
            var value = formatMegabytes(bar.megabytes)
            if let note = bar.note { value += " · \(note)" }
            svg += "<text class=\"value\" x=\"\(format(labelWidth + length + 6))\" y=\"\(format(y + 19))\">\(value.htmlEscaped)</text>"
        }
        let axisY = Double(bars.count) * rowHeight + 18
        for tick in [1.0, 10, 100, 1_000, 10_000] {
            let x = labelWidth + scaled(tick) * barAreaWidth
            svg += "<text class=\"axis\" x=\"\(format(x))\" y=\"\(format(axisY))\" text-anchor=\"middle\">\(formatMegabytes(tick))</text>"
        }
        return svg + "</svg>"
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
