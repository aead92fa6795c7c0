import Foundation
import Testing
import TestSupport

@testable import DemoApp

/// The image sizes behind the page's chart are read from their file once, and again only when
/// the file changes.
@Suite struct ImageSizesCacheTests {
    @Test func imageSizesAreReadOnceAndAgainOnlyWhenTheFileChanges() throws {
        let directory = try TemporaryDirectory(prefix: "image-sizes-cache-")
        defer { directory.remove() }
        let path = directory.appending("image-sizes.json")
        let cache = ImageSizesCache(path: path)
        #expect(cache.current() == nil)
        try Data(#"{"measuredAt": "2026-12-01T00:00:00Z", "images": [{"variant": "naive", "bytes": 1}]}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        #expect(cache.current()?.images.first?.bytes == 1)
        for _ in 0..<5 { _ = cache.current() }
        #expect(cache.loadCount == 1)
        // Rewritten (a new size and modification time): read again.
        try Data(#"{"measuredAt": "2026-12-02T00:00:00Z", "images": [{"variant": "naive", "bytes": 22}]}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        #expect(cache.current()?.images.first?.bytes == 22)
        #expect(cache.current()?.measuredAt == "2026-12-02T00:00:00Z")
        #expect(cache.loadCount == 2)
    }
}
