#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

import TestSupport

/// What this test process holds, read from `/proc`: for leak checks that need no cooperation
/// from the code under test.
enum ProcessResources {
    /// The number of open file descriptors (entries in `/proc/self/fd`, minus the one listing it).
    ///
    /// Files that unit tests running in parallel open for a moment are not counted: temporary
    /// files of `TemporaryFile`, and `/proc` and `/sys` files (CPU quota, this very listing).
    /// Everything the server opens (sockets, epoll, eventfd, files of `FileRegion`s) is counted.
    static func openDescriptorCount() -> Int {
        descriptorTargets().values.filter { target in
            !target.hasPrefix(TemporaryFile.pathPrefix) && !target.hasPrefix("/proc/") && !target.hasPrefix("/sys/")
        }.count
    }

    /// What each open descriptor points at, e.g. `socket:[1234]`, `anon_inode:[eventpoll]`.
    static func descriptorTargets() -> [Int32: String] {
        guard let directory = opendir("/proc/self/fd") else { return [:] }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var targets: [Int32: String] = [:]
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            guard let descriptor = Int32(name), descriptor != own else { continue }
            var target = [CChar](repeating: 0, count: 256)
            let length = readlink("/proc/self/fd/\(name)", &target, target.count - 1)
            targets[descriptor] = length > 0 ? String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        }
        return targets
    }

    /// Descriptors open now that were not open (to the same target) in `before`, leaving out only
    /// what tests of other suites and targets, running in parallel in this process, may hold:
    /// TCP sockets with neither end on `port`, pipes (child processes), and the transient files
    /// `openDescriptorCount` leaves out. A leaked listener, connection, client, epoll, eventfd or
    /// served file is reported.
    static func descriptorsOpened(since before: [Int32: String], port: Int) -> [Int32: String] {
        let related = socketInodes(port: port, localOnly: false)
        return descriptorTargets().filter { descriptor, target in
            guard before[descriptor] != target else { return false }
            if target.hasPrefix("pipe:") || target.hasPrefix(TemporaryFile.pathPrefix) { return false }
            if target.hasPrefix("/proc/") || target.hasPrefix("/sys/") { return false }
            if target.hasPrefix("socket:["), let inode = UInt64(target.dropFirst(8).dropLast()) {
                return related.contains(inode)
            }
            return true
        }
    }

    /// Descriptors of this process that are TCP sockets whose *local* port is `port`: the
    /// server's listeners and accepted connections (a client's sockets have it as remote port).
    static func serverSockets(port: Int) -> [Int32] {
        let inodes = socketInodes(port: port, localOnly: true)
        return descriptorTargets().compactMap { descriptor, target in
            guard target.hasPrefix("socket:["), let inode = UInt64(target.dropFirst(8).dropLast()) else { return nil }
            return inodes.contains(inode) ? descriptor : nil
        }
    }

    /// Inodes of TCP sockets (any process) with local port `port` (or, unless `localOnly`, remote
    /// port `port`), from `/proc/net/tcp{,6}`.
    private static func socketInodes(port: Int, localOnly: Bool) -> Set<UInt64> {
        var inodes = Set<UInt64>()
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            for line in readText(table).split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, let inode = UInt64(fields[9]) else { continue }
                let local = fields[1].split(separator: ":")
                let remote = fields[2].split(separator: ":")
                let localMatches = local.count == 2 && Int(local[1], radix: 16) == port
                let remoteMatches = !localOnly && remote.count == 2 && Int(remote[1], radix: 16) == port
                if localMatches || remoteMatches { inodes.insert(inode) }
            }
        }
        return inodes
    }

    private static func readText(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        for _ in 0..<1_000 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
