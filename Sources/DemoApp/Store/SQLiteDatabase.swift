import CSQLite

/// A failed SQLite call: the extended result code and SQLite's own message, captured at the call
/// because `sqlite3_errmsg` is overwritten by the next call on the connection.
struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The extended result code (`SQLITE_BUSY_SNAPSHOT`, `SQLITE_READONLY_DIRECTORY`, …).
    let code: Int32
    let message: String

    var description: String { "\(message) (SQLite code \(code))" }
}

/// One SQLite connection. Not thread-safe by design: its owner confines it to one thread or
/// serial queue, which is also why it is opened without SQLite's own per-connection mutex.
final class SQLiteDatabase {
    private(set) var handle: OpaquePointer?

    /// Opens (creating when missing) the database at `path` for reading and writing.
    /// - Parameter path: The file path.
    /// - Throws: `SQLiteError` when SQLite cannot open or create the file.
    init(path: String) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            // A failed open still allocates a handle, which carries the message and must be closed.
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_close_v2(handle)
            throw SQLiteError(code: status, message: message)
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit { close() }

    /// Whether SQLite fell back to read-only access, which it does silently when the file is not
    /// writable even though read-write was asked for.
    var isReadOnly: Bool { handle.map { sqlite3_db_readonly($0, "main") == 1 } ?? true }

    /// How long a writer waits for another connection's lock before failing with `SQLITE_BUSY`.
    /// - Parameter milliseconds: The wait.
    func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }

    /// Runs SQL that returns no rows of interest; several statements may be separated by `;`.
    /// - Parameter sql: The statements.
    /// - Throws: `SQLiteError` from the first statement that fails.
    func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        guard status == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: message)
        }
    }

    /// Compiles one statement for repeated use.
    /// - Parameter sql: A single SQL statement.
    /// - Returns: The statement.
    /// - Throws: `SQLiteError` when it does not compile.
    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw lastError(status) }
        return SQLiteStatement(statement)
    }

    /// Runs a one-row query (a `PRAGMA`, a `count(*)`) and returns its first column as text.
    /// - Parameter sql: The query.
    /// - Returns: The first column of the first row, or `nil` when there is no row.
    /// - Throws: `SQLiteError` when it fails.
    func scalarText(_ sql: String) throws -> String? {
        let statement = try prepare(sql)
        defer { statement.finalize() }
        return try statement.step() ? statement.text(at: 0) : nil
    }

    /// Like `scalarText(_:)`, as an integer.
    /// - Parameter sql: The query.
    /// - Returns: The first column of the first row, or `nil` when there is no row.
    /// - Throws: `SQLiteError` when it fails.
    func scalarInt(_ sql: String) throws -> Int? {
        let statement = try prepare(sql)
        defer { statement.finalize() }
        return try statement.step() ? statement.int(at: 0) : nil
    }

    /// Whether a transaction is open, e.g. after a failed `COMMIT` that must be rolled back.
    var isInTransaction: Bool { handle.map { sqlite3_get_autocommit($0) == 0 } ?? false }

    /// Closes the connection; later calls fail with `SQLITE_MISUSE`. `close_v2` defers the real
    /// close until every statement is finalized, so a forgotten statement cannot make it fail.
    func close() {
        guard let handle else { return }
        sqlite3_close_v2(handle)
        self.handle = nil
    }

    private func lastError(_ status: Int32) -> SQLiteError {
        guard let handle else { return SQLiteError(code: SQLITE_MISUSE, message: "database is closed") }
        return SQLiteError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)))
    }
}

/// A compiled statement, reset after every use so that it can be run again and so that it holds
/// no read snapshot open between uses (an open one would pin the WAL and block checkpoints).
final class SQLiteStatement {
    private var statement: OpaquePointer?

    fileprivate init(_ statement: OpaquePointer) {
        self.statement = statement
    }

    deinit { finalize() }

    /// Binds text to a 1-based parameter.
    /// - Parameters:
    ///   - text: The value; SQLite copies it.
    ///   - index: The parameter index, from 1.
    /// - Throws: `SQLiteError` when the index is out of range.
    func bind(_ text: String, at index: Int32) throws {
        // SQLITE_TRANSIENT (-1): the C macro does not import; it makes SQLite copy the bytes, which
        // must outlive only this call.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        let status = sqlite3_bind_text(statement, index, text, -1, transient)
        guard status == SQLITE_OK else { throw error(status) }
    }

    /// Runs the statement to its next row.
    /// - Returns: `true` when a row is available, `false` when the statement is done.
    /// - Throws: `SQLiteError` when it fails.
    func step() throws -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let status: throw error(status)
        }
    }

    /// The integer in a column of the current row.
    /// - Parameter index: The 0-based column.
    /// - Returns: The value.
    func int(at index: Int32) -> Int {
        Int(sqlite3_column_int64(statement, index))
    }

    /// The text in a column of the current row (empty for NULL).
    /// - Parameter index: The 0-based column.
    /// - Returns: The value, decoded as UTF-8 with invalid bytes replaced.
    func text(at index: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, index) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Makes the statement ready to run again, clearing its bindings.
    func reset() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    /// Releases the statement; later calls fail with `SQLITE_MISUSE`.
    func finalize() {
        sqlite3_finalize(statement)
        statement = nil
    }

    private func error(_ status: Int32) -> SQLiteError {
        guard let statement, let handle = sqlite3_db_handle(statement) else {
            return SQLiteError(code: SQLITE_MISUSE, message: "statement is finalized")
        }
        return SQLiteError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)))
    }
}
