@testable import HTTP1

extension InputBuffer {
    /// Appends bytes as a read would.
    mutating func append(contentsOf bytes: some Sequence<UInt8>) {
        Array(bytes).withUnsafeBytes { append($0) }
    }
}
