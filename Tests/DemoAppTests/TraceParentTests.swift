import Testing

@testable import DemoApp

/// `traceparent` as W3C Trace Context Level 1 defines it (§3.2, §4.3), with the specification's
/// own example value and the malformed forms its test suite sends.
@Suite struct TraceParentTests {
    static let example = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    @Test func theSpecificationsExampleIsTakenAsTheParent() throws {
        let parent = try #require(TraceParent.parse(Self.example))
        #expect(parent.traceID.hexString == "0af7651916cd43dd8448eb211c80319c")
        #expect(parent.parentID.hexString == "b7ad6b7169203331")
        #expect(parent.flags == 1)
        #expect(parent.isSampled)
    }

    @Test func unknownFlagBitsOfVersion00AreKeptAndNotSampledIsRead() throws {
        let parent = try #require(TraceParent.parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"))
        #expect(!parent.isSampled)
        #expect(TraceParent.parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-ff")?.flags == 0xFF)
    }

    @Test(arguments: [
        // Version ff is forbidden; versions are two lowercase hex digits.
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "0g-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "0A-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "0-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        // All-zero ids.
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
        // Uppercase hex anywhere.
        "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-B7AD6B7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0A",
        // Wrong lengths: trace-id, parent-id, flags one short or one long.
        "00-0af7651916cd43dd8448eb211c80319-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319cc-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b71692033311-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-001",
        // Version 00 has exactly four fields: no extra field, no trailing characters.
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-the-future-will-be-like",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 ",
        // Wrong separators and non-hex characters.
        "00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333x-01",
        "00-0af7651916cd43dd8448eb211c8031.c-b7ad6b7169203331-01",
        // Nothing, or not a traceparent at all.
        "", "00", "hello", String(repeating: "0", count: 55),
        // A later version must still have version 00's fields, followed by the end or a dash.
        "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01what",
        "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
        "cc-0af7651916cd43dd8448eb211c80319c-00000000000000000-01",
    ])
    func malformedValuesStartANewTrace(value: String) {
        #expect(TraceParent.parse(value) == nil, "\(value)")
    }

    @Test func aLaterVersionIsReadAsFarAsVersion00Goes() throws {
        let longer = try #require(TraceParent.parse(
            "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-the-future-will-be-like"))
        #expect(longer.traceID.hexString == "0af7651916cd43dd8448eb211c80319c")
        #expect(longer.parentID.hexString == "b7ad6b7169203331")
        let exact = try #require(TraceParent.parse("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-09"))
        // Only `sampled` means something across versions.
        #expect(exact.flags == 1)
    }
}
