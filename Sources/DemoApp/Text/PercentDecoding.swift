extension Collection<UInt8> {
    /// The bytes with each `%XX` replaced by the byte it encodes (RFC 3986 §2.1), once: a `%25`
    /// becomes a `%` that is not decoded again. Nil when a `%` is not followed by two hex digits.
    var percentDecoded: [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(count)
        var iterator = makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                output.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(HexDigit.value), let low = iterator.next().flatMap(HexDigit.value) else { return nil }
            output.append(high << 4 | low)
        }
        return output
    }
}
