import Glibc

/// The standard process metrics, named and defined as the Prometheus client libraries define
/// them (client_golang's process collector, client_java's and client_python's alike), so the
/// dashboards and alerts written for those work here unchanged.
///
/// Read from procfs only when `/metrics` is scraped, never per request. The reads do not block an
/// event loop in any way that matters: procfs files are generated in memory by the kernel on
/// `read` (no disk, no lock held across I/O), `/proc/self/stat` is one read of under 1 KB, and
/// listing `/proc/self/fd` costs one entry per open descriptor, bounded by the connection cap.
struct ProcessMetrics: Equatable {
    /// User and system CPU time (`/proc/self/stat` utime + stime, in clock ticks).
    var cpuSeconds: Double
    /// Open file descriptors (entries of `/proc/self/fd`, not counting the one reading it).
    var openFileDescriptors: Int?
    /// The soft `RLIMIT_NOFILE`: what `openFileDescriptors` runs into.
    var maxFileDescriptors: Int?
    /// Virtual memory size (`/proc/self/stat` vsize).
    var virtualMemoryBytes: Int
    /// Resident set size (`/proc/self/stat` rss, in pages).
    var residentMemoryBytes: Int
    /// When the process started, in seconds since the Unix epoch: boot time (`/proc/stat`
    /// btime) plus the process's start in ticks after boot (`/proc/self/stat` starttime).
    var startTimeSeconds: Double

    /// The current values, or nil where procfs is not mounted (the one place `/proc` is missing
    /// is a hand-made chroot, where the Swift runtime itself fails first).
    static func current() -> ProcessMetrics? {
        guard let stat = readFile("/proc/self/stat", capacity: 1024), let fields = statFields(stat) else { return nil }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        return ProcessMetrics(
            cpuSeconds: Double(fields.userTicks + fields.systemTicks) / ticksPerSecond,
            openFileDescriptors: countOpenFileDescriptors(),
            maxFileDescriptors: softFileDescriptorLimit(),
            virtualMemoryBytes: fields.virtualBytes,
            residentMemoryBytes: fields.residentPages * pageSize,
            startTimeSeconds: Double(bootTime) + Double(fields.startTicks) / ticksPerSecond)
    }

    /// The fields of `/proc/self/stat` used here (proc(5): utime 14, stime 15, starttime 22,
    /// vsize 23, rss 24).
    struct StatFields: Equatable {
        var userTicks: Int
        var systemTicks: Int
        var startTicks: Int
        var virtualBytes: Int
        var residentPages: Int
    }

    /// Parses `/proc/PID/stat`. The command name (field 2) is in parentheses and may itself hold
    /// spaces and parentheses, so the numbered fields are counted from the last `)`.
    /// - Parameter bytes: The file's contents.
    /// - Returns: The fields, or nil when the text is not a stat line.
    static func statFields(_ bytes: [UInt8]) -> StatFields? {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let rest = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // rest[0] is field 3 (state), so field N is rest[N - 3].
        func field(_ number: Int) -> Int? {
            let index = number - 3
            guard index < rest.count else { return nil }
            return Int(String(decoding: rest[rest.startIndex + index], as: UTF8.self))
        }
        guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23), let resident = field(24)
        else { return nil }
        return StatFields(userTicks: user, systemTicks: system, startTicks: start, virtualBytes: virtual, residentPages: resident)
    }

    /// Boot time in seconds since the epoch (`btime` in `/proc/stat`), read once: it does not
    /// change while the system runs, and `/proc/stat` grows with the number of CPUs.
    static let bootTime: Int = {
        guard let bytes = readFile("/proc/stat", capacity: 64 * 1024) else { return 0 }
        for line in bytes.split(separator: UInt8(ascii: "\n")) where line.starts(with: Array("btime ".utf8)) {
            return Int(String(decoding: line.dropFirst(6), as: UTF8.self)) ?? 0
        }
        return 0
    }()

    /// The whole of a small procfs file; nil when it is missing or empty.
    private static func readFile(_ path: String, capacity: Int) -> [UInt8]? {
        guard let bytes = WholeFile.read(path: path, limit: capacity), !bytes.isEmpty else { return nil }
        return bytes
    }

    /// Entries of `/proc/self/fd`, less the descriptor this listing holds open.
    private static func countOpenFileDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDot { count += 1 }
        }
        return max(0, count - 1)
    }

    private static func softFileDescriptorLimit() -> Int? {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return nil }
        // RLIM_INFINITY is reported as the largest value, as client_golang reports it.
        return limit.rlim_cur > rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }
}
