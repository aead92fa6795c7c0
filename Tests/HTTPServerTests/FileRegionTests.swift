#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
import TestSupport

@testable import HTTPServer

@Suite struct FileRegionTests {
    @Test func closesItsDescriptorWhenTheLastReferenceGoes() throws {
        let file = try TemporaryFile(size: 100)
        let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        do {
            let response = HTTPResponse(body: .file(FileRegion(descriptor: descriptor, offset: 10, length: 50)))
            #expect(response.body.count == 50)
            let copy = response
            _ = copy
            #expect(file.openDescriptorCount == 1)
        }
        // By path, not by number: a concurrent test may already have reused the number.
        #expect(file.openDescriptorCount == 0)
    }
}
