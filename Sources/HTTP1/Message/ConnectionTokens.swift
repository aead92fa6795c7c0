/// The two `Connection` options that decide persistence (RFC 9112 §9.3).
package struct ConnectionTokens: Equatable, Sendable {
    package var close = false
    package var keepAlive = false

    package init() {}

    /// The options of every `Connection` field in `headers`.
    package init(_ headers: HTTPHeaders) {
        headers.forEachField(named: "Connection") { _, value in
            note(value)
            return false
        }
    }

    /// Notes the options in one `Connection` field value (a comma-separated list, RFC 9110 §5.6.1).
    package mutating func note(_ value: UnsafeBufferPointer<UInt8>) {
        if !close { close = Self.list(value, has: "close") }
        if !keepAlive { keepAlive = Self.list(value, has: "keep-alive") }
    }

    private static func list(_ value: UnsafeBufferPointer<UInt8>, has option: StaticString) -> Bool {
        option.withUTF8Buffer { HTTPHeaders.list(value, containsElement: $0) }
    }
}
