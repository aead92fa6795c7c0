#if PostgreSQL
import Glibc
import CLibPQ

/// One libpq connection driven through libpq's non-blocking API, every wait bounded by a deadline.
///
/// libpq's blocking calls (`PQconnectdb`, `PQexec`) can wait as long as TCP does when a server
/// vanishes; here the store's thread waits in `poll` on libpq's socket until the deadline and then
/// gives up, so a lost database turns into a failed call in bounded time, never a stuck store.
/// Confined to the store's queue: that confinement is its whole thread safety, hence `@unchecked`.
final class PostgresConnection: @unchecked Sendable {
    /// A failure libpq or the server reported, or a deadline that passed.
    struct Failure: Error, CustomStringConvertible {
        /// libpq's or the server's message, on one line; never holds the password.
        let description: String
        /// The server's SQLSTATE, when the server answered with an error.
        let sqlState: String?
    }

    private let connection: OpaquePointer

    /// Connects, TLS included, giving up at `deadline`.
    /// - Parameters:
    ///   - parameters: libpq's keywords and values.
    ///   - deadline: When to stop waiting for the server.
    /// - Throws: `Failure` with libpq's reason.
    init(parameters: PostgresConnectionParameters, deadline: ContinuousClock.Instant) throws(Failure) {
        // libpq copies what it needs before PQconnectStartParams returns.
        let keywords = parameters.pairs.map { strdup($0.keyword) } + [nil]
        let values = parameters.pairs.map { strdup($0.value) } + [nil]
        defer {
            for pointer in keywords + values { free(pointer) }
        }
        let started = keywords.withUnsafeBufferPointer { keywordPointers in
            values.withUnsafeBufferPointer { valuePointers in
                keywordPointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { keywordPointers in
                    valuePointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { valuePointers in
                        PQconnectStartParams(keywordPointers.baseAddress, valuePointers.baseAddress, 0)
                    }
                }
            }
        }
        guard let started else { throw Failure(description: "out of memory", sqlState: nil) }
        connection = started
        // A failed handshake throws from here; `deinit` still runs (every stored property is
        // set) and frees the connection.
        try handshake(deadline: deadline)
    }

    deinit {
        PQfinish(connection)
    }

    /// Whether libpq still considers the connection usable.
    var isUsable: Bool { PQstatus(connection) == CONNECTION_OK }

    /// Runs one statement with text parameters and returns its rows as text.
    ///
    /// Without parameters the statement goes as a simple query, so a string of several statements
    /// (a migration) runs as one. A failure leaves the connection usable only if `isUsable` says so.
    /// - Parameters:
    ///   - sql: The statement.
    ///   - parameters: `$1`, `$2`, … as text.
    ///   - deadline: When to stop waiting for the answer.
    /// - Returns: The rows of the last result, each column as text (`nil` for NULL).
    /// - Throws: `Failure` when it could not be sent, the server refused it, or the deadline passed.
    @discardableResult
    func execute(_ sql: String, _ parameters: [String] = [], deadline: ContinuousClock.Instant) throws(Failure) -> [[String?]] {
        let sent: Int32
        if parameters.isEmpty {
            sent = PQsendQuery(connection, sql)
        } else {
            let copies = parameters.map { strdup($0) }
            defer { for pointer in copies { free(pointer) } }
            sent = copies.withUnsafeBufferPointer { pointers in
                pointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { pointers in
                    PQsendQueryParams(connection, sql, Int32(parameters.count), nil, pointers.baseAddress, nil, nil, 0)
                }
            }
        }
        guard sent == 1 else { throw failure() }
        try flush(deadline: deadline)

        var rows: [[String?]] = []
        var firstError: Failure?
        while true {
            try awaitResult(deadline: deadline)
            guard let result = PQgetResult(connection) else { break }
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                rows = []
            case PGRES_TUPLES_OK:
                rows = Self.rows(of: result)
            default:
                if firstError == nil { firstError = Self.failure(of: result) }
            }
        }
        if let firstError { throw firstError }
        return rows
    }

    // MARK: - Waiting

    /// Drives `PQconnectPoll` until the connection is made or fails, waiting on whatever socket
    /// libpq has at each step (it changes when libpq tries the next address).
    private func handshake(deadline: ContinuousClock.Instant) throws(Failure) {
        guard PQstatus(connection) != CONNECTION_BAD else { throw failure() }
        var status = PGRES_POLLING_WRITING
        while true {
            switch status {
            case PGRES_POLLING_OK:
                // Sends and waits are ours from here on, on the same socket.
                guard PQsetnonblocking(connection, 1) == 0 else { throw failure() }
                return
            case PGRES_POLLING_READING:
                try wait(for: Int16(POLLIN), deadline: deadline, doing: "connecting")
            case PGRES_POLLING_WRITING:
                try wait(for: Int16(POLLOUT), deadline: deadline, doing: "connecting")
            default:
                throw failure()
            }
            status = PQconnectPoll(connection)
        }
    }

    /// Sends what libpq has buffered.
    private func flush(deadline: ContinuousClock.Instant) throws(Failure) {
        while true {
            switch PQflush(connection) {
            case 0: return
            case 1:
                // Writable to send the rest; readable too, since the server may be answering and
                // libpq must read to make room (libpq's documentation of PQflush).
                try wait(for: Int16(POLLOUT | POLLIN), deadline: deadline, doing: "sending")
                guard PQconsumeInput(connection) == 1 else { throw failure() }
            default:
                throw failure()
            }
        }
    }

    /// Reads until `PQgetResult` would not block.
    private func awaitResult(deadline: ContinuousClock.Instant) throws(Failure) {
        while PQisBusy(connection) == 1 {
            try wait(for: Int16(POLLIN), deadline: deadline, doing: "waiting for the answer")
            guard PQconsumeInput(connection) == 1 else { throw failure() }
        }
    }

    /// `poll` on libpq's socket until `events` or the deadline.
    private func wait(for events: Int16, deadline: ContinuousClock.Instant, doing: String) throws(Failure) {
        let descriptor = PQsocket(connection)
        guard descriptor >= 0 else { throw failure() }
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            let (seconds, attoseconds) = remaining.components
            guard remaining > .zero else {
                throw Failure(description: "no answer from the server in time (\(doing))", sqlState: nil)
            }
            // Rounded up, so a wait never ends just before the deadline and spins.
            let milliseconds = Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0, errno != EINTR {
                throw Failure(description: "poll: \(String(cString: strerror(errno)))", sqlState: nil)
            }
        }
    }

    // MARK: - Results and errors

    private static func rows(of result: OpaquePointer) -> [[String?]] {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                values.append(PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column)))
            }
            rows.append(values)
        }
        return rows
    }

    /// The connection's last error, on one line.
    private func failure() -> Failure {
        Failure(description: Self.oneLine(PQerrorMessage(connection)), sqlState: nil)
    }

    private static func failure(of result: OpaquePointer) -> Failure {
        let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        var message = oneLine(PQresultErrorMessage(result))
        if let sqlState { message += " (SQLSTATE \(sqlState))" }
        return Failure(description: message, sqlState: sqlState)
    }

    /// libpq's messages end in a newline and may span lines ("connection to server ... failed:
    /// ..."); a log line and a start-up error want one line.
    private static func oneLine(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "unknown error" }
        let lines = String(cString: text).split(whereSeparator: \.isNewline).map { $0.trimmingPrefix(" ") }
        let joined = lines.filter { !$0.isEmpty }.joined(separator: "; ")
        return joined.isEmpty ? "unknown error" : joined
    }
}
#endif
