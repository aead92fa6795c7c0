import Glibc
import Synchronization

/// `image-sizes.json`, decoded once and again only when the file changes.
///
/// Every page view shows the chart, and the page renders on an event loop: reading and decoding
/// JSON there per view would cost a file read and a decode each time. A `stat` is cheap (the
/// inode is in memory), so each call compares the file's identity (inode, size, modification
/// time) with the one last decoded, and reads only when it changed: `compare-images.sh` rewrites
/// the file in place while the server runs.
final class ImageSizesCache: Sendable {
    private let path: String
    private let state = Mutex<State>(State())

    private struct State {
        var identity: FileIdentity?
        var sizes: ImageSizes?
        var loads = 0
    }

    /// - Parameter path: The JSON file; it need not exist yet.
    init(path: String) {
        self.path = path
    }

    /// How many times the file was read and decoded (for tests).
    var loadCount: Int { state.withLock { $0.loads } }

    /// The current sizes, or nil while the file is missing or malformed.
    func current() -> ImageSizes? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            state.withLock { state in
                state.identity = nil
                state.sizes = nil
            }
            return nil
        }
        let identity = FileIdentity(info)
        if let cached = state.withLock({ $0.identity == identity ? $0.sizes : nil }) { return cached }
        // Read outside the lock: another loop asking meanwhile reads too, which is harmless.
        let sizes = ImageSizes.load(path: path)
        state.withLock { state in
            state.identity = identity
            state.sizes = sizes
            state.loads += 1
        }
        return sizes
    }
}
