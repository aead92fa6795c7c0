import Glibc

/// What this process's threads are doing, from `/proc/self/task/*/stat`.
package enum ThreadStates {
    /// The scheduler state of each thread whose name starts with `prefix`: `R` running or
    /// runnable, `S` asleep in a wait (`epoll_wait`, `poll`), `D` in an uninterruptible wait...
    package static func of(threadsNamed prefix: String) -> [Character] {
        guard let directory = opendir("/proc/self/task") else { return [] }
        defer { closedir(directory) }
        var states: [Character] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard Int(name) != nil else { continue }
            let stat = readText("/proc/self/task/\(name)/stat")
            // "pid (comm) state ...": the name may hold spaces and parentheses, so from the last ")".
            guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
            guard stat[stat.index(after: open)..<close].hasPrefix(prefix) else { continue }
            if let state = stat[stat.index(after: close)...].first(where: { $0 != " " }) { states.append(state) }
        }
        return states
    }

    private static func readText(_ path: String) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        return String(decoding: bytes.prefix(max(count, 0)), as: UTF8.self)
    }
}
