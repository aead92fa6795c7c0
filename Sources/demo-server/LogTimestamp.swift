#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `2026-11-29T10:00:00.123Z`: a log line's UTC time, written by arithmetic into the line's
/// bytes (no `gmtime_r`, no `String` per part).
enum LogTimestamp {
    /// The length of every timestamp.
    static let length = 24

    /// Appends the real-time clock's time now.
    /// - Parameter line: The line's bytes.
    static func append(to line: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        append(secondsSinceEpoch: Int(now.tv_sec), milliseconds: Int(now.tv_nsec / 1_000_000), to: &line)
    }

    /// Appends the time `secondsSinceEpoch` plus `milliseconds`.
    /// - Parameters:
    ///   - secondsSinceEpoch: Seconds since 1970-01-01T00:00:00Z.
    ///   - milliseconds: 0 to 999.
    ///   - line: The line's bytes.
    static func append(secondsSinceEpoch: Int, milliseconds: Int, to line: inout [UInt8]) {
        let days = secondsSinceEpoch >= 0 ? secondsSinceEpoch / 86_400 : (secondsSinceEpoch - 86_399) / 86_400
        let secondOfDay = secondsSinceEpoch - days * 86_400
        // Days to a civil date in the proleptic Gregorian calendar (Howard Hinnant's
        // civil_from_days): eras of 400 years, years starting on March 1st.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)

        appendFixed(year: year, month: month, day: day, secondOfDay: secondOfDay, milliseconds: milliseconds, to: &line)
    }

    /// The 24 bytes written into a stack buffer and appended at once: one capacity and
    /// uniqueness check instead of one per byte. Four digits of year: the clock reads years
    /// 1970 to 9999 this way.
    private static func appendFixed(
        year: Int, month: Int, day: Int, secondOfDay: Int, milliseconds: Int, to line: inout [UInt8]
    ) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length) { buffer in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var value = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
                    value /= 10
                }
            }
            put(year, 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            buffer[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, 2, at: 17)
            buffer[19] = UInt8(ascii: ".")
            put(milliseconds, 3, at: 20)
            buffer[23] = UInt8(ascii: "Z")
            line.append(contentsOf: UnsafeBufferPointer(buffer))
        }
    }

    /// The decimal digits of `value` (not negative), zero-padded to at least `width`. Written
    /// front to back (no slice of the line reversed, which would copy it).
    static func appendDigits(_ value: Int, width: Int, to line: inout [UInt8]) {
        var divisor = 1
        var digits = 1
        while divisor <= value / 10 {
            divisor &*= 10
            digits += 1
        }
        for _ in digits..<max(width, digits) { line.append(UInt8(ascii: "0")) }
        while divisor > 0 {
            line.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / divisor % 10))
            divisor /= 10
        }
    }
}
