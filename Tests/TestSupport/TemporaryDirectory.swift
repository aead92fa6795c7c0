import Foundation

/// A fresh directory under the system's temporary directory, removed with all it holds by
/// `remove()`: call it in a `defer` (not left to deinit, which may come as soon as the last use of
/// the object, before the last use of its path).
package final class TemporaryDirectory: Sendable {
    package let path: String

    /// - Parameter prefix: Starts the directory's name, so a leftover says which test made it.
    package init(prefix: String = "test-") throws {
        path = NSTemporaryDirectory() + prefix + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    package func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` inside the directory.
    package func appending(_ name: String) -> String {
        path + "/" + name
    }
}
