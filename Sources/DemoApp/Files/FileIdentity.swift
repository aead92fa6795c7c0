import Glibc

/// What tells one version of a file from another without reading it: a file replaced (a new
/// inode), rewritten (a new size or modification time) or on another device is a new identity.
struct FileIdentity: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64
    let size: Int
    /// The modification time in nanoseconds since the epoch.
    let modifiedNanoseconds: Int

    /// The identity `stat(2)` or `fstat(2)` reported.
    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int(info.st_size)
        modifiedNanoseconds = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
    }
}
