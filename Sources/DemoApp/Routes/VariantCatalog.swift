import Synchronization

/// The variant names the visit counter takes: every name already counted, and new ones only
/// while fewer than `limit` are known.
///
/// Any client can name a variant, and every name is a row, a JSON member and a line of the
/// page's story for ever: without a bound, one client could create thousands and make every
/// later answer carry them. The bound lives here, above the `VisitStore` protocol, so that each
/// store gets it without knowing it exists.
///
/// What is known is learned from the store's counts (`learn`) and from the names this process
/// admits. Several processes sharing one database each check against what they have seen, so two
/// that admit their last free name at the same moment can together go a name or two past the
/// limit; the count stays bounded by the limit times the number of processes. Once full, a name
/// this process has not seen is refused without asking the store (so a flood of new names costs
/// no database work): a name another process counted since this one last read the list
/// (`GET /api/visits`, or a new name while there was room) is refused here until then.
final class VariantCatalog: Sendable {
    /// The most distinct names counted; the configured variant is always taken even beyond it.
    let limit: Int
    private let known: Mutex<Set<String>>

    /// What `admit` decided.
    enum Admission: Equatable {
        /// The name was already known.
        case known
        /// A new name, taken because there was room: `forget` it if the visit is not recorded.
        case new
        /// A new name, refused: `limit` names are known already.
        case full
    }

    /// Creates a catalog.
    /// - Parameters:
    ///   - limit: The most distinct names (`MAX_VARIANTS`).
    ///   - builtIn: The service's own variant, always accepted.
    init(limit: Int, builtIn: String) {
        self.limit = limit
        self.known = Mutex([builtIn])
    }

    /// Whether `name` is known, so that a visit for it can be recorded without asking the store.
    func contains(_ name: String) -> Bool {
        known.withLock { $0.contains(name) }
    }

    /// Whether no new name would be taken: checked before asking the store anything, so that a
    /// flood of new names costs no database work once the catalog is full.
    var isFull: Bool {
        known.withLock { $0.count >= limit }
    }

    /// Adds names the store has counted (by this process or another).
    /// - Parameter names: The variants in a `counts` answer.
    func learn(_ names: some Sequence<String>) {
        known.withLock { known in
            for name in names { known.insert(name) }
        }
    }

    /// Takes `name` if it is known or there is room for it.
    /// - Parameter name: A valid variant name.
    /// - Returns: Whether it was known, taken as new, or refused.
    func admit(_ name: String) -> Admission {
        known.withLock { known in
            if known.contains(name) { return .known }
            guard known.count < limit else { return .full }
            known.insert(name)
            return .new
        }
    }

    /// Gives back a name `admit` took as new whose visit was not recorded, so that failed writes
    /// (a full disk) do not use up the room.
    /// - Parameter name: The name.
    func forget(_ name: String) {
        _ = known.withLock { $0.remove(name) }
    }
}
