import Foundation
import Testing

/// The minimum data rates as the binary's settings: validated at start-up, applied to requests,
/// logged and counted in `/metrics`.
@Suite(.serialized) struct SlowClientSettingsTests {
    @Test(arguments: [
        (["MIN_REQUEST_BODY_RATE": "fast"], [String](), "MIN_REQUEST_BODY_RATE (--min-request-body-rate) must be an integer"),
        (["MIN_REQUEST_BODY_RATE_GRACE": "0"], [], "MIN_REQUEST_BODY_RATE_GRACE (--min-request-body-rate-grace)"),
        ([:], ["--min-response-rate=-1"], "MIN_RESPONSE_RATE (--min-response-rate)"),
        (["MIN_RESPONSE_RATE_GRACE": "soon"], [], "MIN_RESPONSE_RATE_GRACE (--min-response-rate-grace)"),
    ])
    func badRateSettingStopsWithOneLineAndExit64(environment: [String: String], arguments: [String], message: String) throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        #expect(try server.runToExit(arguments, environment: environment) == 64)
        #expect(server.standardError.split(separator: "\n").count == 1, "one line, got: \(server.standardError)")
        #expect(server.standardError.contains(message))
    }

    @Test func slowBodyIsAnswered408LoggedAndCounted() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start(environment: ["MIN_REQUEST_BODY_RATE": "100000", "MIN_REQUEST_BODY_RATE_GRACE": "0.2"])
        // 2 of 1,000 announced bytes, then nothing: below any rate.
        let response = try RawHTTPClient.exchange(
            port: server.port,
            "POST /api/visits HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{}")
        #expect(response.status == 408)
        let metrics = try RawHTTPClient.get(port: server.port, "/metrics")
        #expect(metrics.body.contains("http_slow_clients_cut_total{reason=\"request_body_too_slow\"} 1"))
        #expect(metrics.body.contains("http_slow_clients_cut_total{reason=\"response_too_slow\"} 0"))
        server.stop()
        #expect(server.standardOutput.contains("rejected=\"the request body arrived below the minimum data rate\""))
        // Nothing was counted for the refused visit.
        let visits = server.standardOutput.split(separator: "\n").filter { $0.contains("POST /api/visits 201") }
        #expect(visits.isEmpty)
    }
}
