import Testing

@testable import HTTP1

@Suite struct ByteScanTests {
    /// Every length up to three words, with the byte sought at every position (and absent), on
    /// a background of bytes one bit away from CR and LF and of 0x80 and 0xFF (which a
    /// has-zero-byte test gets wrong when done carelessly).
    private static func cases() -> [(bytes: [UInt8], position: Int?)] {
        var cases: [(bytes: [UInt8], position: Int?)] = []
        let background: [UInt8] = [0x0C, 0x0B, 0x8D, 0xFF, 0x80, 0x2A, 0x0E, 0x00]
        for length in 0...24 {
            let filler = (0..<length).map { background[$0 % background.count] }
            cases.append((filler, nil))
            for position in 0..<length { cases.append((filler, position)) }
        }
        return cases
    }

    @Test(arguments: [ByteClasses.cr, ByteClasses.lf])
    func firstLineBreakFindsTheFirstCROrLF(byte: UInt8) {
        for (filler, position) in Self.cases() {
            var bytes = filler
            if let position { bytes[position] = byte }
            if let position, position + 3 < bytes.count { bytes[position + 3] = ByteClasses.cr }
            let expected = bytes.firstIndex { $0 == ByteClasses.cr || $0 == ByteClasses.lf } ?? bytes.count
            for start in 0...bytes.count {
                let found = bytes.withUnsafeBufferPointer { ByteScan.firstLineBreak($0, from: start, to: $0.count) }
                let expectedFromStart = bytes[start...].firstIndex { $0 == ByteClasses.cr || $0 == ByteClasses.lf } ?? bytes.count
                #expect(found == expectedFromStart, "\(bytes) from \(start)")
            }
            let bounded = bytes.withUnsafeBufferPointer { ByteScan.firstLineBreak($0, from: 0, to: $0.count / 2) }
            #expect(bounded == min(expected, bytes.count / 2), "\(bytes) up to half")
        }
    }

    @Test func firstIndexAndCountAgreeWithTheStandardLibrary() {
        for (filler, position) in Self.cases() {
            var bytes = filler
            if let position {
                bytes[position] = ByteClasses.cr
                for index in stride(from: position, to: bytes.count, by: 5) { bytes[index] = ByteClasses.cr }
            }
            bytes.withUnsafeBufferPointer { buffer in
                for start in 0...buffer.count {
                    let expected = bytes[start...].firstIndex(of: ByteClasses.cr) ?? bytes.count
                    #expect(ByteScan.firstIndex(of: ByteClasses.cr, in: buffer, from: start) == expected, "\(bytes) from \(start)")
                }
                for byte: UInt8 in [ByteClasses.cr, 0x00, 0xFF, 0x80] {
                    #expect(ByteScan.count(of: byte, in: buffer) == bytes.count { $0 == byte }, "\(byte) in \(bytes)")
                }
            }
        }
    }

    @Test func isFieldValueAgreesWithTheByteClass() {
        // Every byte value at every position of a word and of the tail, in valid surroundings.
        for length in [7, 8, 13, 16, 21] {
            for position in 0..<length {
                for byte in UInt8.min...UInt8.max {
                    var bytes = (0..<length).map { [0x61, 0x80, 0xFF, 0x20, 0x7E, 0x09][$0 % 6] as UInt8 }
                    bytes[position] = byte
                    let expected = bytes.allSatisfy(ByteClasses.isFieldValue)
                    #expect(bytes.withUnsafeBufferPointer(ByteScan.isFieldValue) == expected, "\(bytes)")
                }
            }
        }
    }
}
