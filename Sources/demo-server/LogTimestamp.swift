#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `2026-11-29T10:00:00.123Z`: a log line's UTC time, written by arithmetic into the line's
/// bytes (no `gmtime_r`, no `String` per part).
enum LogTimestamp {
    /// The length of every timestamp until the year 10000.
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

        appendDigits(year, width: 4, to: &line)
        line.append(UInt8(ascii: "-"))
        appendDigits(month, width: 2, to: &line)
        line.append(UInt8(ascii: "-"))
        appendDigits(day, width: 2, to: &line)
        line.append(UInt8(ascii: "T"))
        appendDigits(secondOfDay / 3600, width: 2, to: &line)
        line.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay / 60 % 60, width: 2, to: &line)
        line.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay % 60, width: 2, to: &line)
        line.append(UInt8(ascii: "."))
        appendDigits(milliseconds, width: 3, to: &line)
        line.append(UInt8(ascii: "Z"))
    }

    /// The decimal digits of `value` (not negative), zero-padded to at least `width`.
    static func appendDigits(_ value: Int, width: Int, to line: inout [UInt8]) {
        let start = line.count
        var remaining = value
        repeat {
            line.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10))
            remaining /= 10
        } while remaining > 0
        while line.count - start < width { line.append(UInt8(ascii: "0")) }
        line[start...].reverse()
    }
}
