import Glibc

// glibc declares socket types in an enum, imported with a `rawValue`.
private let streamSocketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)

/// The smallest HTTP/1.1 client that answers "is the server up?": one GET to an address on this
/// machine with a deadline on every step, reading only the status line.
enum LoopbackProbe {
    struct Failure: Error {
        let message: String
    }

    /// A numeric IPv4 or IPv6 address (never a name: nothing is looked up).
    struct Address {
        let text: String
        fileprivate var ipv4 = in_addr()
        fileprivate var ipv6 = in6_addr()
        let isIPv6: Bool

        /// Parses `text`; nil when it is not an address.
        init?(_ text: String) {
            self.text = text
            if inet_pton(AF_INET, text, &ipv4) == 1 {
                isIPv6 = false
            } else if inet_pton(AF_INET6, text, &ipv6) == 1 {
                isIPv6 = true
            } else {
                return nil
            }
        }
    }

    /// Sends `GET path` and returns the status code.
    /// - Parameters:
    ///   - address: Where the server listens.
    ///   - port: The server's port.
    ///   - path: The request path.
    ///   - timeoutMilliseconds: The deadline for connect, send and receive together.
    /// - Throws: `Failure` when the connection or the answer fails.
    static func get(address: Address, port: Int, path: String, timeoutMilliseconds: Int32) throws(Failure) -> Int {
        let fd = socket(address.isIPv6 ? AF_INET6 : AF_INET, streamSocketType, 0)
        guard fd >= 0 else { throw failure("socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: Int(timeoutMilliseconds / 1000), tv_usec: Int(timeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected: Int32
        if address.isIPv6 {
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            socketAddress.sin6_port = in_port_t(UInt16(port).bigEndian)
            socketAddress.sin6_addr = address.ipv6
            connected = connectSocket(fd, to: socketAddress)
        } else {
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_port = in_port_t(UInt16(port).bigEndian)
            socketAddress.sin_addr = address.ipv4
            connected = connectSocket(fd, to: socketAddress)
        }
        guard connected == 0 else { throw failure("connect") }
        let authority = address.isIPv6 ? "[\(address.text)]:\(port)" : "\(address.text):\(port)"
        var request = "GET \(path) HTTP/1.1\r\nHost: \(authority)\r\nUser-Agent: demo-server-healthcheck\r\nConnection: close\r\n\r\n"
        let sent = request.withUTF8 { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.utf8.count else { throw failure("send") }
        var buffer = [UInt8](repeating: 0, count: 64)
        var received = 0
        while received < 12 {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, $0.count - received, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw count == 0 ? Failure(message: "connection closed early") : failure("recv") }
            received += count
        }
        // "HTTP/1.1 200 ..." : the status is bytes 9..<12.
        guard buffer[0..<5].elementsEqual("HTTP/".utf8), let status = Int(String(decoding: buffer[9..<12], as: UTF8.self)) else {
            throw Failure(message: "not an HTTP response")
        }
        return status
    }

    /// `connect(2)` to a `sockaddr_in` or `sockaddr_in6`, passed as the `sockaddr` it begins with.
    private static func connectSocket<SocketAddress>(_ fd: Int32, to address: SocketAddress) -> Int32 {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<SocketAddress>.size))
            }
        }
    }

    private static func failure(_ call: String) -> Failure {
        Failure(message: "\(call): \(String(cString: strerror(errno)))")
    }
}
