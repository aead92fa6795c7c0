import Glibc

/// One line written straight to a standard stream: what the process says outside its logs (help,
/// version, usage errors, start-up failures, the health probe's verdict), where nothing buffers.
enum ConsoleLine {
    /// Writes `text`, and a newline unless it ends in one, whole: short writes continue, EINTR is
    /// retried, and any other failure drops the rest (there is nowhere left to report it).
    static func write(_ text: String, to descriptor: Int32 = STDERR_FILENO) {
        var line = text.hasSuffix("\n") ? text : text + "\n"
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { break }
                offset += written
            }
        }
    }
}
