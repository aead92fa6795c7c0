// `close` is the one C call of this module (the descriptor is closed where it is owned).
internal import Glibc

/// An open file and the byte range of it to send. The region owns the descriptor and closes it
/// when the last reference goes, so a response dropped on any path never leaks it.
public final class FileRegion: Sendable {
    /// The open descriptor, read-only.
    public let descriptor: Int32
    /// The first byte to send.
    public let offset: Int
    /// The number of bytes to send.
    public let length: Int

    /// Takes ownership of an open descriptor.
    /// - Parameters:
    ///   - descriptor: A file descriptor opened for reading; closed by this object.
    ///   - offset: The first byte to send.
    ///   - length: The number of bytes to send.
    public init(descriptor: Int32, offset: Int = 0, length: Int) {
        self.descriptor = descriptor
        self.offset = offset
        self.length = length
    }

    deinit {
        close(descriptor)
    }
}
