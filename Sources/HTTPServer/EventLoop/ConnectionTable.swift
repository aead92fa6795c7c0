/// A loop's open connections by file descriptor.
///
/// A flat array indexed by the descriptor rather than a dictionary: the kernel hands out the
/// lowest free descriptor, so the array stays about as long as the most connections open at once,
/// and finding the connection for an epoll event (once per request) is a load, not a hash.
struct ConnectionTable {
    private var slots: [Connection?] = []
    /// The number of connections.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// The connection on `descriptor`, if any.
    subscript(descriptor: Int32) -> Connection? {
        let index = Int(descriptor)
        return index >= 0 && index < slots.count ? slots[index] : nil
    }

    /// Adds a connection under its socket's descriptor.
    mutating func insert(_ connection: Connection, at descriptor: Int32) {
        let index = Int(descriptor)
        precondition(index >= 0, "a connection without a descriptor")
        if index >= slots.count {
            slots.append(contentsOf: repeatElement(nil, count: index + 1 - slots.count))
        }
        if slots[index] == nil { count += 1 }
        slots[index] = connection
    }

    /// Forgets the connection on `descriptor`.
    mutating func remove(at descriptor: Int32) {
        let index = Int(descriptor)
        guard index >= 0, index < slots.count, slots[index] != nil else { return }
        slots[index] = nil
        count -= 1
    }

    /// Every connection, copied out so the caller may close them while iterating.
    var all: [Connection] {
        slots.compactMap { $0 }
    }
}
