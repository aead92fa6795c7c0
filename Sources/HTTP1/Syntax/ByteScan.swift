/// Searches of a head's bytes eight at a time (a word's worth, with the has-zero-byte test of
/// "Bit Twiddling Hacks"): the head is searched for line ends twice per request, and a loop
/// over single bytes spends most of its instructions on the loop itself.
enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// Whether some byte of `word` is zero: nonzero exactly then, and its lowest set bit is in
    /// the first zero byte (a borrow only runs towards higher bytes).
    @inline(__always)
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- ones) & ~word & ~lows
    }

    /// Every zero byte of `word` marked by its high bit, with no false marks (for counting).
    @inline(__always)
    private static func exactZeroBytes(_ word: UInt64) -> UInt64 {
        ~(((word & lows) &+ lows) | word | lows)
    }

    @inline(__always)
    private static func word(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress!).loadUnaligned(fromByteOffset: index, as: UInt64.self))
    }

    /// The index of the first CR or LF in `bytes[start..<end]`, or `end` when there is none.
    @inline(__always)
    static func firstLineBreak(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var index = start
        while index + 8 <= end {
            let word = word(bytes, at: index)
            let found = zeroBytes(word ^ (ones &* UInt64(ByteClasses.cr))) | zeroBytes(word ^ (ones &* UInt64(ByteClasses.lf)))
            if found != 0 { return index + found.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < end, bytes[index] != ByteClasses.cr, bytes[index] != ByteClasses.lf { index += 1 }
        return index
    }

    /// The index of the first `byte` in `bytes[start...]`, or `bytes.count` when there is none.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let pattern = ones &* UInt64(byte)
        var index = start
        while index + 8 <= bytes.count {
            let found = zeroBytes(word(bytes, at: index) ^ pattern)
            if found != 0 { return index + found.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < bytes.count, bytes[index] != byte { index += 1 }
        return index
    }

    /// How many times `byte` occurs in `bytes`.
    @inline(__always)
    static func count(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let pattern = ones &* UInt64(byte)
        var count = 0
        var index = 0
        while index + 8 <= bytes.count {
            count += exactZeroBytes(word(bytes, at: index) ^ pattern).nonzeroBitCount
            index += 8
        }
        while index < bytes.count {
            if bytes[index] == byte { count += 1 }
            index += 1
        }
        return count
    }

    /// Whether every byte of `bytes` may be in a field value (`ByteClasses.isFieldValue`): a word
    /// with no control byte and no DEL passes whole; one with either (a tab, say) byte by byte.
    @inline(__always)
    static func isFieldValue(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let spaces = ones &* 0x20
        let deletes = ones &* 0x7F
        var index = 0
        while index + 8 <= bytes.count {
            let word = word(bytes, at: index)
            // Nonzero exactly when some byte is below 0x20 (bytes of 0x80 and above have their high
            // bit set, so `~word` clears theirs) or is 0x7F.
            let suspect = ((word &- spaces) & ~word & ~lows) | zeroBytes(word ^ deletes)
            if suspect != 0 {
                for offset in index..<(index + 8) where !ByteClasses.isFieldValue(bytes[offset]) { return false }
            }
            index += 8
        }
        while index < bytes.count {
            if !ByteClasses.isFieldValue(bytes[index]) { return false }
            index += 1
        }
        return true
    }
}
