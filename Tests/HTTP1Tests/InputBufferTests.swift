import Testing

@testable import HTTP1

@Suite struct InputBufferTests {
    @Test func appendConsumeAndRead() {
        var buffer = InputBuffer()
        #expect(buffer.isEmpty)
        buffer.append(contentsOf: Array("hello world".utf8))
        #expect(buffer.readableCount == 11)
        buffer.consume(6)
        #expect(buffer.withReadableBytes { Array($0) } == Array("world".utf8))
        buffer.append(contentsOf: Array("!".utf8))
        #expect(buffer.withReadableBytes { Array($0) } == Array("world!".utf8))
        buffer.consume(6)
        #expect(buffer.isEmpty)
        #expect(buffer.readerIndex == 0)
    }

    @Test func compactsOnceMostIsConsumed() {
        var buffer = InputBuffer()
        buffer.append(contentsOf: [UInt8](repeating: 1, count: 100))
        buffer.consume(60)
        buffer.append(contentsOf: [2, 3])
        #expect(buffer.readerIndex == 0)
        #expect(buffer.storage.count == 42)
        #expect(buffer.withReadableBytes { Array($0.suffix(2)) } == [2, 3])
    }

    @Test func rawBufferAppend() {
        var buffer = InputBuffer()
        let bytes: [UInt8] = [1, 2, 3, 4]
        bytes.withUnsafeBytes { buffer.append($0) }
        #expect(buffer.withReadableBytes { Array($0) } == bytes)
    }
}
