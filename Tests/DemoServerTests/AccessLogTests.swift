import Foundation
import Testing
import TestSupport

/// The access log of the real binary: one JSON line per request.
@Suite(.serialized) struct AccessLogTests {
    @Test func accessLogIsOneJSONLinePerRequest() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start(environment: ["LOG_FORMAT": "json"])
        _ = try TestClient.get(port: server.port, "/basic", headers: ["User-Agent": "log-test \"quoted\""])
        _ = try TestClient.get(port: server.port, "/nope")
        server.stop()
        let accessLines = server.standardOutput.split(separator: "\n").filter { $0.contains("\"logger\":\"access\"") }
        #expect(accessLines.count == 2)
        for line in server.standardOutput.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["timestamp"] as? String != nil, "every line is a JSON object: \(line)")
        }
        let first = try #require(try JSONSerialization.jsonObject(with: Data(accessLines[0].utf8)) as? [String: Any])
        #expect(first["status"] as? String == "200")
        #expect(first["path"] as? String == "/basic")
        #expect(first["user_agent"] as? String == "log-test \"quoted\"")
        #expect((first["timestamp"] as? String)?.hasSuffix("Z") == true)
    }
}
