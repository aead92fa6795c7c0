import TestSupport
import Testing

@testable import HTTPServer

/// `100 Continue` and the final response after it reach the client whole and in order, round
/// after round on one connection.
@Suite struct InterimResponseTests {
    @Test func interimAndFinalResponsesArriveWholeAndInOrder() async throws {
        try await withTestServer { _, port in
            let client = try TestClient(port: port)
            defer { client.close() }
            for round in 0..<3 {
                try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
                let interim = try client.readResponse()
                #expect(interim.status == 100)
                try client.send("abc\(round)!")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "abc\(round)!")
            }
        }
    }
}
