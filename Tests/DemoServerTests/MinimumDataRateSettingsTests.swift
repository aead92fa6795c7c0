import Foundation
import Testing
import TestSupport

/// The minimum data rates as the binary's settings: validated at start-up, applied to requests,
/// logged and counted in `/metrics`.
@Suite(.serialized) struct MinimumDataRateSettingsTests {
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
        let response = try TestClient.exchange(
            port: server.port,
            "POST /api/visits HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{}")
        #expect(response.status == 408)
        let metrics = try TestClient.get(port: server.port, "/metrics")
        #expect(metrics.text.contains("http_slow_clients_cut_total{reason=\"request_body_too_slow\"} 1"))
        #expect(metrics.text.contains("http_slow_clients_cut_total{reason=\"response_too_slow\"} 0"))
        server.stop()
        #expect(server.standardOutput.contains("rejected=\"the request body arrived below the minimum data rate\""))
        // Nothing was counted for the refused visit.
        let visits = server.standardOutput.split(separator: "\n").filter { $0.contains("POST /api/visits 201") }
        #expect(visits.isEmpty)
    }

    @Test func slowReaderOfALargeFileIsCutOffLoggedAndCounted() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let publicDirectory = server.directory + "/Public"
        try FileManager.default.createDirectory(atPath: publicDirectory, withIntermediateDirectories: true)
        try Data(repeating: 0x61, count: 16 * 1024 * 1024).write(to: URL(fileURLWithPath: publicDirectory + "/big.bin"))
        try server.start(environment: [
            "PUBLIC_DIR": publicDirectory, "MIN_RESPONSE_RATE": "200000", "MIN_RESPONSE_RATE_GRACE": "0.3",
        ])

        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var small: Int32 = 4096
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(server.port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        let request = Array("GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        #expect(request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == request.count)
        // Read the first 64 KiB, then stop reading: a slow reader of a 16 MB file.
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var received = 0
        while received < 64 * 1024 {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += count
        }
        #expect(received >= 64 * 1024)

        var cut = false
        for _ in 0..<2000 where !cut {
            cut = server.standardOutput.contains("client read the response below the minimum data rate")
            if !cut { usleep(5_000) }
        }
        #expect(cut, "no log line for the slow reader")
        let metrics = try TestClient.get(port: server.port, "/metrics")
        #expect(metrics.text.contains("http_slow_clients_cut_total{reason=\"response_too_slow\"} 1"))
        #expect(server.stop() == 0)
    }
}
