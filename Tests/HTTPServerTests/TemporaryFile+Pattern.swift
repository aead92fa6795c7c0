import TestSupport

extension TemporaryFile {
    /// A file of `size` bytes of `MockHandler.pattern`, so a served range can be checked.
    convenience init(size: Int) throws {
        try self.init(contents: MockHandler.pattern(count: size))
    }

    /// How many descriptors this process has open on the file.
    var openDescriptorCount: Int {
        ProcessResources.descriptorTargets().values.filter { $0.hasPrefix(path) }.count
    }
}
