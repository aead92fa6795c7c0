import Glibc

/// A file with given content under /tmp, removed by `remove()` or at deinit.
package final class TemporaryFile {
    /// Where every temporary file of these tests starts.
    package static let pathPrefix = "/tmp/httpserver-test-"

    package let path: String
    package let size: Int

    package init(contents: [UInt8]) throws {
        var template = Array((Self.pathPrefix + "XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw TestClient.Failure.system("mkstemp", errno) }
        defer { close(descriptor) }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        size = contents.count
        var written = 0
        while written < size {
            let result = contents.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, contents.count - written) }
            guard result > 0 else { throw TestClient.Failure.system("write", errno) }
            written += result
        }
    }

    deinit {
        remove()
    }

    package func remove() {
        unlink(path)
    }
}
