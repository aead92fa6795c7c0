/// CommonMark backslash escapes (CommonMark 0.31, section 2.4): a backslash before an ASCII
/// punctuation character stands for that character as plain text, never as markup (`\*` is a
/// star, not emphasis; `\[` opens no link). Before any other character a backslash is itself.
/// Code spans and code blocks keep their backslashes.
///
/// While a span is marked up, each escaped character is held as a Private Use Area scalar
/// (U+E000 plus its ASCII value), which no markup rule matches and HTML escaping passes through;
/// `restoringEscapes` turns it back into the character, HTML-escaped. (So a source that itself
/// contained one of those 94 Private Use Area scalars would show it as the ASCII character; no
/// text this renderer is given has any.)
extension MarkdownRenderer {
    private static let escapeBase: UInt32 = 0xE000

    /// Whether `character` may be escaped: the ASCII punctuation characters.
    static func isEscapable(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return (0x21...0x2F).contains(ascii) || (0x3A...0x40).contains(ascii)
            || (0x5B...0x60).contains(ascii) || (0x7B...0x7E).contains(ascii)
    }

    /// The text with each `\` + punctuation replaced by its placeholder.
    static func protectingEscapes(_ text: some StringProtocol) -> String {
        var result = ""
        var pending = false
        for character in text {
            if pending {
                pending = false
                if isEscapable(character), let ascii = character.asciiValue {
                    result.unicodeScalars.append(Unicode.Scalar(escapeBase + UInt32(ascii))!)
                    continue
                }
                result.append("\\")
            }
            if character == "\\" { pending = true } else { result.append(character) }
        }
        if pending { result.append("\\") }
        return result
    }

    /// The placeholders turned back into their characters; `escaped` HTML-escapes them (for text
    /// already escaped), otherwise they come back as they are (for a link target, escaped later).
    static func restoringEscapes(_ text: String, escaped: Bool) -> String {
        guard text.unicodeScalars.contains(where: { isPlaceholder($0) }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isPlaceholder(scalar) {
                let character = String(Character(Unicode.Scalar(UInt8(scalar.value - escapeBase))))
                result += escaped ? character.htmlEscaped : character
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func isPlaceholder(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= escapeBase + 0x21 && scalar.value <= escapeBase + 0x7E
    }

    /// Whether the character at `index` is preceded by an odd number of backslashes (so is
    /// escaped itself).
    static func isEscaped(_ index: Substring.Index, in text: Substring) -> Bool {
        var count = 0
        var position = index
        while position > text.startIndex {
            position = text.index(before: position)
            guard text[position] == "\\" else { break }
            count += 1
        }
        return count % 2 == 1
    }
}
