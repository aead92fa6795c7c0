#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What this test process holds, read from `/proc`: for leak checks that need no cooperation
/// from the code under test.
enum ProcessResources {
    /// The number of open file descriptors (entries in `/proc/self/fd`, minus the one listing it).
    static func openDescriptorCount() -> Int {
        descriptorTargets().count
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

    /// Descriptors of this process that are TCP sockets whose *local* port is `port`: the
    /// server's listeners and accepted connections (a client's sockets have it as remote port).
    static func serverSockets(port: Int) -> [Int32] {
        let inodes = socketInodes(localPort: port)
        return descriptorTargets().compactMap { descriptor, target in
            guard target.hasPrefix("socket:["), let inode = UInt64(target.dropFirst(8).dropLast()) else { return nil }
            return inodes.contains(inode) ? descriptor : nil
        }
    }

    /// Inodes of TCP sockets (any process) bound to local `port`, from `/proc/net/tcp{,6}`.
    private static func socketInodes(localPort port: Int) -> Set<UInt64> {
        var inodes = Set<UInt64>()
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            for line in readText(table).split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9 else { continue }
                let local = fields[1].split(separator: ":")
                guard local.count == 2, Int(local[1], radix: 16) == port, let inode = UInt64(fields[9]) else { continue }
                inodes.insert(inode)
            }
        }
        return inodes
    }

    /// CPU time (user + system) used so far by this process's threads whose name starts with
    /// `prefix`, in clock ticks' worth of `Duration`.
    static func cpuTime(ofThreadsNamed prefix: String) -> Duration {
        guard let directory = opendir("/proc/self/task") else { return .zero }
        defer { closedir(directory) }
        let ticksPerSecond = Int64(sysconf(Int32(_SC_CLK_TCK)))
        var ticks: Int64 = 0
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            guard Int(name) != nil else { continue }
            let stat = readText("/proc/self/task/\(name)/stat")
            guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
            guard stat[stat.index(after: open)..<close].hasPrefix(prefix) else { continue }
            // Fields after "(comm)": state is field 3, utime and stime are fields 14 and 15.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Int64(fields[11]), let system = Int64(fields[12]) else { continue }
            ticks += user + system
        }
        return .milliseconds(ticks * 1000 / max(ticksPerSecond, 1))
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
