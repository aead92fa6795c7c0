import Testing
import TestSupport

@testable import HTTP1

@Suite struct HTTPDateTests {
    @Test(arguments: [
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),  // RFC 9110 §5.6.7's example
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),  // a leap day in a 400-year leap year
        (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),  // 2100 is not a leap year
        (2_147_483_648, "Tue, 19 Jan 2038 03:14:08 GMT"),  // past 32-bit time_t
        (1_735_689_599, "Tue, 31 Dec 2024 23:59:59 GMT"),
        (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),  // days are floored before the epoch
        (-61_000_000_000, "Fri, 26 Dec 0036 11:33:20 GMT"),  // a year below 1000 keeps four digits
        (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
    ])
    func formatsAndParses(epochSeconds: Int, text: String) {
        #expect(HTTPDate.format(epochSeconds: epochSeconds) == text)
        #expect(HTTPDate.parse(text) == epochSeconds)
    }

    @Test func roundTripsOverTwoCenturies() {
        var random = SeededGenerator(seed: 7)
        for _ in 0..<2_000 {
            let seconds = Int.random(in: 0...7_258_118_399, using: &random)  // 1970 ... 2199
            let text = HTTPDate.format(epochSeconds: seconds)
            #expect(text.utf8.count == 29)
            #expect(HTTPDate.parse(text) == seconds, "\(text)")
        }
    }

    @Test(arguments: [
        "",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sunday, 06-Nov-94 08:49:37 GMT",  // obsolete RFC 850 form is not accepted
        "Sun Nov  6 08:49:37 1994",  // obsolete asctime form is not accepted
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT ",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sun, 06 Nov 19x4 08:49:37 GMT",
        "Sun; 06 Nov 1994 08:49:37 GMT",
        "Mon, 06 Nov 1994 08:49:37 GMT",  // 6 November 1994 was a Sunday
        "Thu, 31 Nov 1994 08:49:37 GMT",  // November has 30 days
        "Mon, 29 Feb 2100 00:00:00 GMT",  // 2100 is not a leap year
        "Wed, 29 Feb 2023 00:00:00 GMT",
    ])
    func rejectsWhatIsNotAnIMFFixdate(_ text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }
}
