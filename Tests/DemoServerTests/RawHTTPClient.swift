import Foundation

/// A blocking HTTP/1.1 client over a real socket, for tests: sends bytes exactly as given (so
/// paths like `/../x` reach the server unnormalised) and reads one response.
enum RawHTTPClient {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    /// Sends one request and reads its response (framed by Content-Length or by close).
    /// - Parameters:
    ///   - port: The server's port on 127.0.0.1.
    ///   - request: The raw request bytes.
    ///   - hasBody: Whether the response carries content (not for HEAD: RFC 9110 §9.3.2).
    static func exchange(port: Int, _ request: String, timeoutSeconds: Int = 10, hasBody: Bool = true) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerProcessError("socket failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ServerProcessError("connect to \(port) failed: errno \(errno)") }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw ServerProcessError("send failed") }
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let response = parse(received, hasBody: hasBody) { return response }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 {
                guard let response = parse(received, atEnd: true, hasBody: hasBody) else { throw ServerProcessError("connection closed before a response") }
                return response
            }
            guard count > 0 else { throw ServerProcessError("recv failed: errno \(errno)") }
            received += buffer[..<count]
        }
    }

    /// A GET with `Connection: close`.
    static func get(port: Int, _ target: String, headers: [String: String] = [:]) throws -> Response {
        var request = "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        return try exchange(port: port, request + "\r\n")
    }

    /// A HEAD with `Connection: close`: its head only, whatever Content-Length announces.
    static func head(port: Int, _ target: String) throws -> Response {
        try exchange(port: port, "HEAD \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", hasBody: false)
    }

    /// A POST with a JSON body.
    static func post(port: Int, _ target: String, json: String) throws -> Response {
        try exchange(
            port: port,
            "POST \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(json.utf8.count)\r\n\r\n\(json)")
    }

    private static func parse(_ bytes: [UInt8], atEnd: Bool = false, hasBody: Bool = true) -> Response? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = bytes.firstRange(of: separator) else { return nil }
        let head = String(decoding: bytes[..<headEnd.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = bytes[headEnd.upperBound...]
        if !hasBody { return Response(status: status, headers: headers, body: String(decoding: body, as: UTF8.self)) }
        if let length = headers["content-length"].flatMap(Int.init) {
            guard body.count >= length else { return nil }
            return Response(status: status, headers: headers, body: String(decoding: body.prefix(length), as: UTF8.self))
        }
        return atEnd ? Response(status: status, headers: headers, body: String(decoding: body, as: UTF8.self)) : nil
    }
}
