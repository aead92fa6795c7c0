import Glibc

/// A tiny blocking HTTP/1.1 client over a raw socket, so tests control every byte on the wire.
///
/// Every wait is bounded by a `poll` timeout; nothing here blocks forever. Close it with `close()`
/// (or `reset()`); `deinit` closes a forgotten socket so a failing test leaks no descriptor.
package final class TestClient {
    /// Why a client call failed.
    package enum Failure: Error, CustomStringConvertible {
        case system(String, Int32)
        case timedOut(String)
        case closedByPeer(received: Int)
        case malformed(String)

        package var description: String {
            switch self {
            case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code))) (errno \(code))"
            case .timedOut(let what): "timed out waiting for \(what)"
            case .closedByPeer(let received): "the server closed the connection (\(received) unread bytes buffered)"
            case .malformed(let what): "malformed response: \(what)"
            }
        }
    }

    /// What `waitForClose` saw.
    package enum Ending: Equatable {
        /// An orderly end of stream (FIN).
        case endOfFile
        /// The server reset the connection (RST).
        case reset
    }

    package private(set) var descriptor: Int32
    /// Received bytes not yet returned, e.g. the next pipelined response.
    package private(set) var buffered: [UInt8] = []

    /// The default bound on every wait: generous, since the machine is slow and shared.
    package static let defaultTimeout = Duration.seconds(10)

    /// Connects to `host:port`.
    /// - Parameters:
    ///   - port: The server's port.
    ///   - host: `127.0.0.1` or `::1`.
    ///   - receiveBufferSize: A small `SO_RCVBUF` makes the server hit backpressure sooner.
    package init(port: Int, host: String = "127.0.0.1", receiveBufferSize: Int32? = nil) throws {
        let family = host.contains(":") ? AF_INET6 : AF_INET
        descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure.system("socket", errno) }
        if let receiveBufferSize {
            var size = receiveBufferSize
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let result = Self.withAddress(host: host, port: port) { connect(descriptor, $0, $1) }
        guard result == 0 else {
            let code = errno
            closeDescriptor(descriptor)
            descriptor = -1
            throw Failure.system("connect", code)
        }
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit {
        if descriptor >= 0 { closeDescriptor(descriptor) }
    }

    /// The errno a fresh connection attempt gets (ECONNREFUSED when nothing listens), or 0.
    package static func connectError(port: Int, host: String = "127.0.0.1") -> Int32 {
        do {
            let client = try TestClient(port: port, host: host)
            client.close()
            return 0
        } catch Failure.system(_, let code) {
            return code
        } catch {
            return -1
        }
    }

    /// Whether this machine has an IPv6 loopback to test on.
    package static let supportsIPv6Loopback: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { closeDescriptor(fd) }
        return withAddress(host: "::1", port: 0) { bind(fd, $0, $1) } == 0
    }()

    // MARK: - Sending

    /// Sends all of `text`.
    package func send(_ text: String, timeout: Duration = defaultTimeout) throws {
        try send(Array(text.utf8), timeout: timeout)
    }

    /// Sends all of `bytes`, waiting for buffer space at most `timeout` in total.
    package func send(_ bytes: [UInt8], timeout: Duration = defaultTimeout) throws {
        let deadline = ContinuousClock.now + timeout
        var offset = 0
        while offset < bytes.count {
            try waitFor(Int16(POLLOUT), until: deadline, what: "send buffer space")
            let sent = bytes.withUnsafeBytes { raw in
                sendBytes(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
            if sent < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw Failure.system("send", errno)
            }
            offset += sent
        }
    }

    /// Half-closes: the server reads end of stream, and may still answer.
    package func shutdownWrite() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Closes the socket. Safe to call more than once.
    package func close() {
        guard descriptor >= 0 else { return }
        closeDescriptor(descriptor)
        descriptor = -1
    }

    /// Closes with `SO_LINGER` 0, so the server sees a reset instead of an end of stream.
    package func reset() {
        guard descriptor >= 0 else { return }
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    // MARK: - Receiving

    /// Reads one response.
    /// - Parameters:
    ///   - isHead: The request was HEAD: the response has a Content-Length but no content.
    ///   - timeout: The longest to wait for all of it.
    /// - Returns: The response; a `1xx` interim response is returned as is.
    /// - Throws: `Failure.closedByPeer` when the connection ends first, `.timedOut`, `.malformed`.
    package func readResponse(isHead: Bool = false, timeout: Duration = defaultTimeout) throws -> TestResponse {
        let deadline = ContinuousClock.now + timeout
        var headEnd: Int?
        var searchFrom = 0
        for _ in 0..<100_000 {
            if let end = Self.headEnd(in: buffered, from: searchFrom) {
                headEnd = end
                break
            }
            searchFrom = max(0, buffered.count - 3)
            try receive(until: deadline, what: "a response head")
        }
        guard let headEnd else { throw Failure.malformed("no head end") }
        var response = try TestResponse(head: Array(buffered[..<headEnd]))
        buffered.removeFirst(headEnd)
        let hasContent = !isHead && response.status >= 200 && response.status != 204 && response.status != 304
        let length = hasContent ? (response.contentLength ?? 0) : 0
        // Every round receives at least one byte or throws at the deadline.
        for _ in 0..<10_000_000 {
            guard buffered.count < length else { break }
            try receive(until: deadline, what: "\(length) content bytes")
        }
        guard buffered.count >= length else { throw Failure.timedOut("\(length) content bytes") }
        response.body = Array(buffered.prefix(length))
        buffered.removeFirst(length)
        return response
    }

    /// Reads a response head only, leaving its content buffered for a separate read.
    package func readResponseHead(timeout: Duration = defaultTimeout) throws -> TestResponse {
        try readResponse(isHead: true, timeout: timeout)
    }

    /// Reads until at least `count` bytes arrived, and returns all that did (a response in flight).
    package func read(atLeast count: Int, timeout: Duration = defaultTimeout) throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        // Every round receives at least one byte or throws at the deadline.
        for _ in 0..<10_000_000 {
            guard buffered.count < count else { break }
            try receive(until: deadline, what: "\(count) bytes")
        }
        defer { buffered.removeAll() }
        return buffered
    }

    /// Reads until the server ends the connection.
    /// - Returns: How it ended, and any bytes received before.
    /// - Throws: `Failure.timedOut` when the connection is still open at `timeout`.
    package func waitForClose(timeout: Duration = defaultTimeout) throws -> (ending: Ending, bytes: [UInt8]) {
        let deadline = ContinuousClock.now + timeout
        for _ in 0..<1_000_000 {
            do {
                try receive(until: deadline, what: "the server to close the connection")
            } catch Failure.closedByPeer {
                return (.endOfFile, buffered)
            } catch Failure.system(_, let code) where code == ECONNRESET {
                return (.reset, buffered)
            }
        }
        throw Failure.timedOut("close")
    }

    /// Whether nothing arrives (no bytes, no close) for `duration`. For asserting that the server
    /// has *not* served something yet; the duration is a bound, not a synchronisation.
    package func staysSilent(for duration: Duration) throws -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let result = poll(&entry, 1, Int32(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000))
        guard result >= 0 else { throw Failure.system("poll", errno) }
        return result == 0
    }

    /// Whether the server reset the connection, seen without reading what is still buffered
    /// (`poll` reports an error and a hang-up at once; an orderly end reports neither).
    package var wasReset: Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 0) > 0 else { return false }
        return entry.revents & Int16(POLLERR) != 0 && entry.revents & Int16(POLLHUP) != 0
    }

    /// Reads up to `pieceSize` bytes a `pause` apart, as a client that reads slowly, until the
    /// server resets the connection or `maxPieces` pieces were read.
    /// - Returns: Whether the connection was reset.
    package func trickle(pieceSize: Int, maxPieces: Int, pause: () -> Void) throws -> Bool {
        var piece = [UInt8](repeating: 0, count: pieceSize)
        for _ in 0..<maxPieces {
            if wasReset { return true }
            let received = piece.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, pieceSize, Int32(MSG_DONTWAIT)) }
            if received == 0 { return false }
            if received < 0 && errno == ECONNRESET { return true }
            pause()
        }
        return wasReset
    }

    /// Reads exactly `count` content bytes in pieces of at most `pieceSize`, calling `pause`
    /// between pieces: a slow reader.
    package func readSlowly(count: Int, pieceSize: Int, timeout: Duration, pause: () -> Void) throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        var result = Array(buffered.prefix(count))
        buffered.removeFirst(result.count)
        var piece = [UInt8](repeating: 0, count: pieceSize)
        for _ in 0..<100_000_000 {
            guard result.count < count else { break }
            try waitFor(Int16(POLLIN), until: deadline, what: "slow read")
            let wanted = min(pieceSize, count - result.count)
            let received = piece.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, wanted, Int32(MSG_DONTWAIT)) }
            if received == 0 { throw Failure.closedByPeer(received: result.count) }
            if received < 0 {
                guard errno == EINTR || errno == EAGAIN else { throw Failure.system("recv", errno) }
                guard ContinuousClock.now < deadline else { throw Failure.timedOut("slow read") }
                continue
            }
            result += piece[..<received]
            pause()
        }
        return result
    }

    // MARK: - Internals

    /// Appends whatever one `recv` returns, waiting for it until `deadline`.
    private func receive(until deadline: ContinuousClock.Instant, what: String) throws {
        try waitFor(Int16(POLLIN), until: deadline, what: what)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let received = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if received > 0 {
            buffered += chunk[..<received]
        } else if received == 0 {
            throw Failure.closedByPeer(received: buffered.count)
        } else if errno != EINTR && errno != EAGAIN {
            throw Failure.system("recv", errno)
        } else if ContinuousClock.now >= deadline {
            throw Failure.timedOut(what)
        }
    }

    private func waitFor(_ events: Int16, until deadline: ContinuousClock.Instant, what: String) throws {
        for _ in 0..<1_000_000 {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw Failure.timedOut(what) }
            let milliseconds = Int32(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let result = poll(&entry, 1, milliseconds)
            if result > 0 { return }  // Ready, or an error/hang-up the next call reports.
            if result < 0 && errno != EINTR { throw Failure.system("poll", errno) }
        }
        throw Failure.timedOut(what)
    }

    private static func headEnd(in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = max(start, 0)
        while index + 3 < bytes.count {
            if bytes[index] == 0x0D && bytes[index + 1] == 0x0A && bytes[index + 2] == 0x0D && bytes[index + 3] == 0x0A {
                return index + 4
            }
            index += 1
        }
        return nil
    }

    private static func withAddress<T>(host: String, port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        if host.contains(":") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}

// `TestClient` has `close()` and `send(_:)` of its own, which hide the C functions from its
// methods; these file-scope wrappers reach them by their plain names (`Glibc.close` would, but
// reads worse than the plain names).

private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

private func sendBytes(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    send(descriptor, bytes, count, flags)
}
