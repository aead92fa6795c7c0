/// Bytes received on a connection and not yet consumed by the parser.
///
/// Consumed bytes are dropped lazily: the storage is compacted only when more than half of it is
/// consumed, so pipelined requests cost no copying on the common path.
package struct InputBuffer {
    package init() {}
    package private(set) var storage: [UInt8] = []
    package private(set) var readerIndex = 0

    /// The number of unconsumed bytes.
    package var readableCount: Int { storage.count - readerIndex }

    /// Whether every received byte has been consumed.
    package var isEmpty: Bool { readerIndex == storage.count }

    /// Appends received bytes.
    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthIt()
        storage.append(contentsOf: bytes)
    }

    /// Marks `count` bytes as consumed.
    package mutating func consume(_ count: Int) {
        precondition(count <= readableCount)
        readerIndex += count
        if readerIndex == storage.count {
            storage.removeAll(keepingCapacity: storage.capacity <= 64 * 1024)
            readerIndex = 0
        }
    }

    /// Calls `body` with the unconsumed bytes.
    package func withReadableBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let start = readerIndex
        return try storage.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[start...]))
        }
    }

    private mutating func compactIfWorthIt() {
        if readerIndex > 0 && readerIndex * 2 >= storage.count {
            storage.removeFirst(readerIndex)
            readerIndex = 0
        }
    }
}
