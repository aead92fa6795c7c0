import Testing

@testable import HTTPServer

@Suite struct CPUCountTests {
    @Test(arguments: [
        ("max 100000\n", nil),
        ("max 100000", nil),
        ("100000 100000\n", 1),
        ("150000 100000\n", 2),
        ("50000 100000\n", 1),
        ("1 100000", 1),
        ("200000 100000", 2),
        ("400000 50000\n", 8),
        ("0 100000", nil),
        ("100000 0", nil),
        ("-1 100000", nil),
        ("100000", nil),
        ("", nil),
        ("\n", nil),
        ("garbage here", nil),
    ] as [(String, Int?)])
    func quotaFromCPUMax(text: String, expected: Int?) {
        #expect(CPUCount.quota(fromCPUMax: text) == expected)
    }

    @Test func availableIsAtLeastOneAndAtMostTheOnlineCPUs() {
        let available = CPUCount.available()
        #expect(available >= 1)
        if let affinity = CPUCount.affinityCount() {
            #expect(available <= affinity)
        }
    }

    @Test func configurationResolvesTheLoopCount() {
        #expect(HTTPServer.Configuration(eventLoopCount: 3).resolvedEventLoopCount == 3)
        #expect(HTTPServer.Configuration(eventLoopCount: 0).resolvedEventLoopCount == 1)
        #expect(HTTPServer.Configuration().resolvedEventLoopCount == CPUCount.available())
    }
}
