import Foundation
import Testing
import TestSupport

/// Nothing outside the public directory is served over the wire, however the path is spelled.
@Suite(.serialized) struct PublicDirectoryConfinementTests {
    @Test func nothingOutsidePublicIsServedOverTheWire() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start()
        for target in ["/../Package.swift", "/%2e%2e/Package.swift", "/%252e%252e/Package.swift", "/..%2f..%2fetc%2fpasswd", "/.gitignore", "/%2egitignore", "/style.css%00", "/..\\Package.swift"] {
            let response = try TestClient.get(port: server.port, target)
            #expect(response.status == 404 || response.status == 400, "\(target) answered \(response.status)")
            #expect(!response.text.contains("PackageDescription"))
        }
    }
}
