/// The two `Connection` options that decide persistence (RFC 9112 §9.3).
package struct ConnectionTokens: Equatable, Sendable {
    package var close = false
    package var keepAlive = false

    package init() {}

    /// The options of every `Connection` field in `headers`.
    package init(_ headers: HTTPHeaders) {
        close = headers.containsToken("close", in: "Connection")
        keepAlive = headers.containsToken("keep-alive", in: "Connection")
    }

    /// Notes the options in one `Connection` field value (a comma-separated list, RFC 9110 §5.6.1).
    package mutating func note(_ value: String) {
        // On bytes: `split` and `Substring` work on Characters, several times slower, and this runs
        // for every request that sends the field (`Connection: close` on each short connection).
        var value = value
        value.withUTF8 { bytes in
            var start = 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: ",") { end += 1 }
                var first = start
                var last = end
                while first < last && (bytes[first] == ByteClasses.space || bytes[first] == ByteClasses.tab) { first += 1 }
                while last > first && (bytes[last - 1] == ByteClasses.space || bytes[last - 1] == ByteClasses.tab) { last -= 1 }
                let option = UnsafeBufferPointer(rebasing: bytes[first..<last])
                if Self.option(option, is: "close") { close = true }
                if Self.option(option, is: "keep-alive") { keepAlive = true }
                start = end + 1
            }
        }
    }

    /// ASCII case-insensitive comparison with a lower-case option name.
    private static func option(_ bytes: UnsafeBufferPointer<UInt8>, is lowercased: StaticString) -> Bool {
        lowercased.withUTF8Buffer { expected in
            guard bytes.count == expected.count else { return false }
            for index in 0..<expected.count where bytes[index].asciiLowercased != expected[index] { return false }
            return true
        }
    }
}
