import Glibc
/// A failed system call on a socket, with the errno and its text captured at the failing call.
public struct SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system call that failed, e.g. `bind`.
    public let call: String
    /// The errno it set.
    public let code: Int32
    /// `strerror(code)`, captured when the error was made.
    public let message: String

    /// Captures the current errno for a failed call.
    /// - Parameter call: The name of the system call.
    /// - Returns: The error.
    public static func failed(_ call: String) -> SocketError {
        failed(call, code: errno)
    }

    /// Makes an error for a given errno.
    /// - Parameters:
    ///   - call: The name of the system call.
    ///   - code: The errno value.
    /// - Returns: The error.
    public static func failed(_ call: String, code: Int32) -> SocketError {
        SocketError(call: call, code: code, message: String(cString: strerror(code)))
    }

    /// An address that could not be parsed.
    /// - Parameter host: The text that is not an IP address.
    /// - Returns: The error.
    public static func invalidAddress(_ host: String) -> SocketError {
        SocketError(call: "inet_pton", code: EINVAL, message: "'\(host)' is not an IPv4 or IPv6 address")
    }

    /// A port number outside 0...65535.
    /// - Parameter port: The number given.
    /// - Returns: The error.
    public static func invalidPort(_ port: Int) -> SocketError {
        SocketError(call: "bind", code: EINVAL, message: "port \(port) is not in 0...65535")
    }

    public var description: String { "\(call) failed: \(message) (errno \(code))" }
}
