import Glibc

/// Whole-file reads with plain system calls: small files (a JSON document, the walkthrough,
/// procfs entries, the files the memory cache holds), read on the calling thread.
enum WholeFile {
    /// The file at `path` from its start to its end, or to `limit` bytes, whichever comes first.
    /// - Returns: nil when it cannot be opened or read; an empty array for an empty file.
    static func read(path: String, limit: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(limit, 16 * 1024))
        while bytes.count < limit {
            // Plain `read`, not `pread`: procfs files are read as a stream.
            let wanted = min(chunk.count, limit - bytes.count)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, wanted) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { return nil }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return bytes
    }

    /// Exactly `size` bytes from the start of an open file, read with `pread` (the descriptor's
    /// offset is left alone, so it can still be sent with `sendfile`).
    /// - Returns: nil when the file ends sooner (it shrank) or a read fails.
    static func read(descriptor: Int32, size: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + offset, size - offset, off_t(offset)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            offset += count
        }
        return bytes
    }
}
