import Foundation

/// A blocking TCP connection to 127.0.0.1 that keeps its state between calls, for tests that
/// hold a connection open across an event (a signal) and watch how it ends.
final class LoopbackSocket {
    private let descriptor: Int32
    /// What `get` read past the response it returned (the start of a pipelined next one).
    private var buffered: [UInt8] = []

    /// Connects, with a 30 s receive timeout on every read (a bound, never reached when it works).
    /// - Parameters:
    ///   - port: The server's port.
    ///   - receiveBufferSize: A small `SO_RCVBUF` keeps a large response in flight.
    init(port: Int, receiveBufferSize: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ServerProcessError("socket failed") }
        if var size = receiveBufferSize {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw ServerProcessError("connect to \(port) failed: errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw ServerProcessError("send failed: errno \(errno)") }
            sent += count
        }
    }

    /// Sends a keep-alive GET and reads the response head and its Content-Length body.
    /// - Returns: The status code and the head.
    func get(_ path: String) throws -> (status: Int, head: String) {
        try send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        for _ in 0..<10_000 {
            let text = String(decoding: buffered, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n") {
                let head = String(text[..<end.lowerBound])
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                let headBytes = text[..<end.upperBound].utf8.count
                if buffered.count >= headBytes + length {
                    buffered.removeFirst(headBytes + length)
                    return (Int(head.split(separator: " ")[1]) ?? 0, head)
                }
            }
            let piece = try readOnce()
            guard !piece.isEmpty else { throw ServerProcessError("connection ended before a complete response") }
            buffered += piece
        }
        throw ServerProcessError("no complete response")
    }

    /// Reads until at least `count` bytes arrived.
    func read(atLeast count: Int) throws -> [UInt8] {
        var received: [UInt8] = []
        while received.count < count {
            let piece = try readOnce()
            guard !piece.isEmpty else { throw ServerProcessError("closed after \(received.count) bytes") }
            received += piece
        }
        return received
    }

    /// Reads until the server closes the connection.
    /// - Throws: When a read times out (the connection stayed open) or fails.
    func readAll() throws -> [UInt8] {
        var received: [UInt8] = []
        for _ in 0..<1_000_000 {
            let piece = try readOnce()
            if piece.isEmpty { return received }
            received += piece
        }
        throw ServerProcessError("no end after \(received.count) bytes")
    }

    /// Reads and discards until the server closes the connection.
    /// - Returns: How many bytes came before the end.
    func readToEnd(limit: Int) throws -> Int {
        var total = 0
        while total <= limit {
            let piece = try readOnce()
            if piece.isEmpty { return total }
            total += piece.count
        }
        throw ServerProcessError("more than \(limit) bytes before the end")
    }

    private func readOnce() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(buffer[..<count]) }
            if errno == EINTR { continue }
            throw ServerProcessError("recv failed: errno \(errno) (\(errno == EAGAIN ? "timed out" : "error"))")
        }
    }
}
