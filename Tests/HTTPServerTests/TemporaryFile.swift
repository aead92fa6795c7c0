#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file with `MockHandler.pattern` content, removed by `remove()` or at deinit.
final class TemporaryFile {
    /// Where every temporary file of these tests starts.
    static let pathPrefix = "/tmp/httpserver-test-"

    let path: String
    let size: Int

    init(size: Int) throws {
        var template = Array((Self.pathPrefix + "XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw TestClient.Failure.system("mkstemp", errno) }
        defer { close(descriptor) }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.size = size
        let content = MockHandler.pattern(count: size)
        var written = 0
        while written < size {
            let result = content.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, size - written) }
            guard result > 0 else { throw TestClient.Failure.system("write", errno) }
            written += result
        }
    }

    deinit {
        remove()
    }

    func remove() {
        unlink(path)
    }

    /// How many descriptors this process has open on the file.
    var openDescriptorCount: Int {
        ProcessResources.descriptorTargets().values.filter { $0.hasPrefix(path) }.count
    }
}
