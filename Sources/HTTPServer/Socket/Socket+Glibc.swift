import Glibc
import CHTTPShims

extension Socket {
    /// Creates a bound, listening, non-blocking TCP socket.
    ///
    /// `SO_REUSEADDR` lets a restarted server bind while old connections sit in TIME_WAIT;
    /// `SO_REUSEPORT` lets every event loop own a listener on the same port, so the kernel spreads
    /// new connections across loops with no shared accept lock. An IPv6 wildcard also accepts IPv4.
    ///
    /// `TCP_NODELAY` disables Nagle's algorithm, so a response goes out at once instead of
    /// waiting for the ACK of the previous segment (which delayed ACK holds back ~40 ms).
    /// `TCP_DEFER_ACCEPT` has the kernel hand over a connection only once its first bytes have
    /// arrived: a client that connects and sends nothing holds no descriptor and no connection
    /// slot until the kernel gives up waiting (about a second), and a new connection costs one
    /// wake-up instead of two (accept, then read). nginx calls it `listen ... deferred`; h2o sets
    /// it by default.
    ///
    /// The first listener binds *without* `SO_REUSEPORT` and sets it only before `listen`: Linux
    /// checks for conflicts at bind time against the sockets already there, so a port held by
    /// another process (say, a second copy of this server) fails with EADDRINUSE instead of being
    /// silently shared, while this server's other loops, binding with the option, still join.
    /// - Parameters:
    ///   - address: Where to listen.
    ///   - backlog: The accept queue length (capped by `net.core.somaxconn`).
    ///   - joiningPort: False for the first listener, which must find the port free; true for
    ///     the further listeners of the same server, which share it.
    /// - Returns: The listening socket.
    /// - Throws: `SocketError` naming the failing call.
    static func listen(on address: SocketAddress, backlog: Int32, joiningPort: Bool = false) throws -> Socket {
        let fd = socket(address.family, chttp_stream_socket_nonblocking, 0)
        guard fd >= 0 else { throw SocketError.failed("socket") }
        let socket = Socket(descriptor: fd)
        do {
            try socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1, name: "SO_REUSEADDR")
            if joiningPort {
                try socket.setOption(SOL_SOCKET, SO_REUSEPORT, 1, name: "SO_REUSEPORT")
            }
            if address.family == AF_INET6 {
                try socket.setOption(Int32(IPPROTO_IPV6), IPV6_V6ONLY, 0, name: "IPV6_V6ONLY")
            }
            let bound = address.withSockAddr { bind(fd, $0, $1) }
            guard bound == 0 else { throw SocketError.failed("bind") }
            if !joiningPort {
                try socket.setOption(SOL_SOCKET, SO_REUSEPORT, 1, name: "SO_REUSEPORT")
            }
            // Accepted sockets inherit it: one setsockopt per listener instead of per connection.
            try socket.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1, name: "TCP_NODELAY")
            // Only a speed-up: a kernel without it serves the same, waking for every handshake.
            _ = try? socket.setOption(Int32(IPPROTO_TCP), TCP_DEFER_ACCEPT, 1, name: "TCP_DEFER_ACCEPT")
            guard listenOn(fd, backlog) == 0 else { throw SocketError.failed("listen") }
            return socket
        } catch {
            socket.close()
            throw error
        }
    }

    /// The address the socket is bound to (after binding port 0, the port the kernel chose).
    func localAddress() throws -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw SocketError.failed("getsockname") }
        return SocketAddress(storage: storage, length: length)
    }

    /// Accepts one pending connection as a non-blocking, close-on-exec socket.
    /// - Returns: The socket and peer address, or nil when none is pending (EAGAIN).
    /// - Throws: `SocketError` for real failures (EMFILE, ENFILE, ENOBUFS...). EINTR and
    ///   ECONNABORTED (the peer gave up while queued) are retried.
    func accept() throws -> (Socket, SocketAddress)? {
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    chttp_accept_nonblocking(descriptor, $0, &length)
                }
            }
            if fd >= 0 { return (Socket(descriptor: fd), SocketAddress(storage: storage, length: length)) }
            switch errno {
            case EAGAIN, EWOULDBLOCK: return nil
            case EINTR, ECONNABORTED: continue
            default: throw SocketError.failed("accept4")
            }
        }
    }

    /// Whether a listening socket has a connection waiting to be accepted (a poll that does not
    /// wait; called only at the connection cap, where accept itself is not called).
    var hasPendingConnection: Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0 && entry.revents & Int16(POLLIN) != 0
    }

    /// Reads what is available into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult {
        while true {
            let count = readInto(descriptor, buffer.baseAddress, buffer.count)
            if count > 0 { return .transferred(count) }
            if count == 0 { return .endOfFile }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: throw SocketError.failed("read")
            }
        }
    }

    /// Writes up to two buffers in one `sendmsg` (the head and in-memory content of a response).
    /// `MSG_NOSIGNAL` turns a write to a closed peer into EPIPE instead of SIGPIPE.
    /// - Parameters:
    ///   - first: The first buffer.
    ///   - second: The second buffer, possibly empty.
    ///   - more: Sets `MSG_MORE`: more data (a file) follows at once, so the kernel may coalesce.
    func send(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, more: Bool) throws -> IOResult {
        let vectorCount = second.isEmpty ? 1 : 2
        let flags = Int32(MSG_NOSIGNAL) | (more ? Int32(MSG_MORE) : 0)
        while true {
            // On the stack: this runs once per response, and an array would be a heap allocation.
            let count = withUnsafeTemporaryAllocation(of: iovec.self, capacity: 2) { vectors -> Int in
                vectors[0] = iovec(iov_base: UnsafeMutableRawPointer(mutating: first.baseAddress), iov_len: first.count)
                vectors[1] = iovec(iov_base: UnsafeMutableRawPointer(mutating: second.baseAddress), iov_len: second.count)
                var message = msghdr()
                message.msg_iov = vectors.baseAddress
                message.msg_iovlen = vectorCount
                return sendmsg(descriptor, &message, flags)
            }
            if count >= 0 { return .transferred(count) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: throw SocketError.failed("sendmsg")
            }
        }
    }

    /// Sends part of a file with `sendfile`, never copying it through user space.
    /// - Parameters:
    ///   - file: The open file.
    ///   - offset: Where to start in the file.
    ///   - count: How many bytes at most.
    func sendFile(_ file: Int32, offset: Int, count: Int) throws -> IOResult {
        while true {
            var position = off_t(offset)
            let sent = sendfile(descriptor, file, &position, count)
            if sent > 0 { return .transferred(sent) }
            if sent == 0 { return .endOfFile }  // The file shrank under us.
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: throw SocketError.failed("sendfile")
            }
        }
    }

    /// Bytes handed to the kernel that the peer has not acknowledged yet (`SIOCOUTQ`), or nil
    /// when the kernel cannot say. What a client has actually received is what was written
    /// minus this: the send buffer (megabytes, once autotuned) is not the client's progress.
    func unacknowledgedByteCount() -> Int? {
        let count = chttp_unacknowledged_bytes(descriptor)
        return count >= 0 ? Int(count) : nil
    }

    /// Makes the next `close` abortive: SO_LINGER with a zero timeout sends a reset and drops
    /// whatever is still queued, as nginx's `reset_timedout_connection` does. A plain close of a
    /// socket whose peer stopped reading leaves the FIN queued behind the unsent bytes: the peer
    /// never learns it was cut, and the kernel keeps retrying (and holding the send buffer, up to
    /// megabytes) as an orphan for minutes.
    func resetOnClose() {
        var option = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }

    /// Closes our sending side so the peer sees the end of the response, while we may still read.
    func shutdownWrite() {
        _ = shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Closes the descriptor. Retrying close after EINTR is wrong on Linux (the fd is gone).
    func close() {
        _ = closeDescriptor(descriptor)
    }

    private func setOption(_ level: Int32, _ option: Int32, _ value: Int32, name: String) throws {
        var value = value
        guard setsockopt(descriptor, level, option, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError.failed("setsockopt(\(name))")
        }
    }
}

// `Socket` has members named `listen`, `read` and `close`, which hide the C functions from its
// methods. These file-scope wrappers reach them by their plain names: qualifying them with the
// module (`Glibc.close`) would not compile against Musl.

private func listenOn(_ descriptor: Int32, _ backlog: Int32) -> Int32 {
    listen(descriptor, backlog)
}

private func readInto(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

private func closeDescriptor(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}
