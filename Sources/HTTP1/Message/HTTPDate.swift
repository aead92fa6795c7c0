/// IMF-fixdate (RFC 9110 §5.6.7), formatted and parsed by hand: the Foundation formatter would
/// pull ICU data into the static binary (tens of megabytes) for one fixed, English, UTC format.
public enum HTTPDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Formats seconds since the Unix epoch, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    /// - Parameter epochSeconds: Seconds since 1970-01-01T00:00:00Z.
    /// - Returns: The IMF-fixdate text.
    public static func format(epochSeconds: Int) -> String {
        // Floor division, so instants before 1970 fall on the right day.
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondOfDay = epochSeconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        guard (0...9999).contains(year) else {
            return "\(weekdays[weekday(ofDays: days)]), \(twoDigits(day)) \(months[month - 1]) \(year) "
                + "\(twoDigits(secondOfDay / 3_600)):\(twoDigits(secondOfDay / 60 % 60)):\(twoDigits(secondOfDay % 60)) GMT"
        }
        // Written into the string's own storage: one allocation, where interpolation grows the
        // string twice (a static file's `Last-Modified` is formatted per request).
        return String(unsafeUninitializedCapacity: 29) { text in
            var index = 0
            func put(_ byte: UInt8) {
                text[index] = byte
                index += 1
            }
            func put(_ word: String) {
                for byte in word.utf8 { put(byte) }
            }
            func put(digits value: Int, count: Int) {
                var divisor = 1
                for _ in 1..<count { divisor *= 10 }
                while divisor > 0 {
                    put(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                    divisor /= 10
                }
            }
            put(weekdays[weekday(ofDays: days)])
            put(UInt8(ascii: ","))
            put(UInt8(ascii: " "))
            put(digits: day, count: 2)
            put(UInt8(ascii: " "))
            put(months[month - 1])
            put(UInt8(ascii: " "))
            put(digits: year, count: 4)
            put(UInt8(ascii: " "))
            put(digits: secondOfDay / 3_600, count: 2)
            put(UInt8(ascii: ":"))
            put(digits: secondOfDay / 60 % 60, count: 2)
            put(UInt8(ascii: ":"))
            put(digits: secondOfDay % 60, count: 2)
            put(" GMT")
            return index
        }
    }

    /// Parses an IMF-fixdate. The two obsolete formats are not accepted; RFC 9110 §13.1.3 has a
    /// recipient ignore a conditional header whose date it cannot parse, which is safe.
    /// - Parameter text: The header value.
    /// - Returns: Seconds since the Unix epoch, or nil.
    public static func parse(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        // "Sun, 06 Nov 1994 08:49:37 GMT" is exactly 29 bytes.
        guard bytes.count == 29, bytes[3] == UInt8(ascii: ","), bytes[4] == 0x20, bytes[7] == 0x20,
            bytes[11] == 0x20, bytes[16] == 0x20, bytes[19] == UInt8(ascii: ":"), bytes[22] == UInt8(ascii: ":"),
            bytes[25] == 0x20, String(decoding: bytes[26...], as: UTF8.self) == "GMT",
            let month = months.firstIndex(of: String(decoding: bytes[8..<11], as: UTF8.self)),
            let day = number(bytes[5..<7]), let year = number(bytes[12..<16]),
            let hour = number(bytes[17..<19]), let minute = number(bytes[20..<22]), let second = number(bytes[23..<25]),
            (1...daysInMonth(month + 1, year: year)).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = daysFromCivil(year: year, month: month + 1, day: day)
        // The weekday must be the date's (1970-01-01 was a Thursday): "Mon, 06 Nov 1994" is not a date.
        guard String(decoding: bytes[0..<3], as: UTF8.self) == weekdays[weekday(ofDays: days)] else { return nil }
        return days * 86_400 + hour * 3_600 + minute * 60 + second
    }

    private static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for digit in digits {
            guard (0x30...0x39).contains(digit) else { return nil }
            value = value * 10 + Int(digit - 0x30)
        }
        return value
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let year = month <= 2 ? year - 1 : year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The weekday (0 is Sunday) of a day counted from 1970-01-01, which was a Thursday.
    private static func weekday(ofDays days: Int) -> Int {
        ((days % 7) + 11) % 7
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's algorithm,
    /// the inverse of `daysFromCivil`): no `gmtime_r`, so this module needs no C library.
    private static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
