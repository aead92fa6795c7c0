import Testing

@testable import DemoApp

/// `tracestate` (Trace Context §3.3): kept when valid, bounded to 32 members and 512 characters,
/// dropped whole when invalid.
@Suite struct TraceStateTests {
    @Test func validMembersAreKeptInOrderWithoutTheirOptionalWhitespace() {
        #expect(TraceState.bounded(["rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"]) == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
        #expect(TraceState.bounded(["rojo=1,,\t, congo=2"]) == "rojo=1,congo=2")
        #expect(TraceState.bounded(["tenant1@vendor=x", "a_b-c*d/e=value with spaces"]) == "tenant1@vendor=x,a_b-c*d/e=value with spaces")
    }

    @Test func fieldLinesAreCombinedAsOneList() {
        #expect(TraceState.bounded(["rojo=1", "congo=2"]) == "rojo=1,congo=2")
    }

    @Test(arguments: [
        "Rojo=1",  // keys are lowercase
        "1rojo=1",  // a simple key starts with a letter
        "rojo",  // no value
        "rojo=",  // an empty value
        "rojo=a\u{1}b",  // no control characters
        "rojo=a=b",  // `=` is not allowed in a value
        "rojo=1,rojo=2",  // keys are unique
        "@vendor=1", "tenant@=1", "tenant@Vendor=1", "tenant@1vendor=1",  // multi-tenant keys
        "rojo=caf\u{e9}",  // printable ASCII only
    ])
    func anInvalidListIsDroppedWhole(value: String) {
        #expect(TraceState.bounded([value]) == nil, "\(value)")
        #expect(TraceState.bounded(["congo=2", value]) == nil, "\(value)")
    }

    @Test func thirtyTwoMembersAreKeptAndThirtyThreeAreNot() {
        let members = (0..<33).map { "k\($0)=v" }
        #expect(TraceState.bounded([members.prefix(32).joined(separator: ",")])?.split(separator: ",").count == 32)
        #expect(TraceState.bounded([members.joined(separator: ",")]) == nil)
    }

    @Test func pastFiveHundredTwelveCharactersLongMembersGoFirstThenTheLast() throws {
        let long = "big=" + String(repeating: "x", count: 200)
        let small = (0..<20).map { "k\($0)=" + String(repeating: "v", count: 20) }  // 24 or 25 characters each
        let kept = try #require(TraceState.bounded([([long] + small).joined(separator: ",")]))
        #expect(!kept.contains("big="))
        #expect(kept.utf8.count <= TraceState.maxLength)
        #expect(kept.hasPrefix("k0="))
        #expect(kept.split(separator: ",").count == 20)

        let many = (0..<30).map { "k\($0)=" + String(repeating: "v", count: 30) }
        let truncated = try #require(TraceState.bounded([many.joined(separator: ",")]))
        #expect(truncated.utf8.count <= TraceState.maxLength)
        #expect(truncated.hasPrefix("k0="), "members are removed from the end")
        #expect(!truncated.contains("k29="))
    }
}
