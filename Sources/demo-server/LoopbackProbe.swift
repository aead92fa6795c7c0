#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// glibc declares socket types in an enum (imported with a `rawValue`), musl as macros.
#if canImport(Glibc)
private let streamSocketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
#elseif canImport(Musl)
private let streamSocketType = SOCK_STREAM | SOCK_CLOEXEC
#endif

/// The smallest HTTP/1.1 client that answers "is the server up?": one GET to 127.0.0.1 with a
/// deadline on every step, reading only the status line.
enum LoopbackProbe {
    struct Failure: Error {
        let message: String
    }

    /// Sends `GET path` and returns the status code.
    /// - Parameters:
    ///   - port: The server's port on 127.0.0.1.
    ///   - path: The request path.
    ///   - timeoutMilliseconds: The deadline for connect, send and receive together.
    /// - Throws: `Failure` when the connection or the answer fails.
    static func get(port: Int, path: String, timeoutMilliseconds: Int32) throws -> Int {
        let fd = socket(AF_INET, streamSocketType, 0)
        guard fd >= 0 else { throw failure("socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: Int(timeoutMilliseconds / 1000), tv_usec: Int(timeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw failure("connect") }
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUser-Agent: demo-server-healthcheck\r\nConnection: close\r\n\r\n"
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

    private static func failure(_ call: String) -> Failure {
        Failure(message: "\(call): \(String(cString: strerror(errno)))")
    }
}
