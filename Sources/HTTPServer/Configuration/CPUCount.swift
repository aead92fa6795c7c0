import Glibc
import CHTTPShims

/// How many CPUs this process may actually use.
///
/// `nproc`-style counts lie in containers: `taskset` and `docker run --cpuset-cpus` narrow the
/// affinity mask, and `docker run --cpus` sets a CFS quota that the CPU count does not show.
/// Running more event loops than that only adds context switches.
public enum CPUCount {
    /// The smaller of the affinity mask's CPUs and the cgroup quota (rounded up), at least 1.
    public static func available() -> Int {
        let affinity = affinityCount() ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        guard let quota = cgroupQuota() else { return max(1, affinity) }
        return max(1, min(affinity, quota))
    }

    /// The CPUs in this thread's affinity mask.
    static func affinityCount() -> Int? {
        let count = chttp_affinity_cpu_count()
        return count > 0 ? Int(count) : nil
    }

    /// The CFS quota in whole CPUs (rounded up), from cgroup v2 `cpu.max` or v1
    /// `cpu.cfs_quota_us`; nil when unlimited or unreadable.
    static func cgroupQuota() -> Int? {
        if let text = readSmallFile("/sys/fs/cgroup/cpu.max") {
            return quota(fromCPUMax: text)
        }
        if let quotaText = readSmallFile("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
            let periodText = readSmallFile("/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
            let quota = Int(quotaText.trimmingOptionalWhitespace().filter { !$0.isNewline }),
            let period = Int(periodText.filter { !$0.isNewline && $0 != " " }), quota > 0, period > 0
        {
            return (quota + period - 1) / period
        }
        return nil
    }

    /// Parses cgroup v2 `cpu.max`: `"max 100000"` (unlimited) or `"150000 100000"` (1.5 CPUs → 2).
    static func quota(fromCPUMax text: String) -> Int? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 2, let quota = Int(fields[0]), let period = Int(fields[1]), quota > 0, period > 0 else {
            return nil
        }
        return (quota + period - 1) / period
    }

    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
