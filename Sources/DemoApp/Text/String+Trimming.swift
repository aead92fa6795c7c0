/// Text helpers every folder of the app uses (headers, Markdown, JSON): kept apart, below them,
/// so that none has to reach into another for them, and the fuzz targets can compile them alone.
extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
