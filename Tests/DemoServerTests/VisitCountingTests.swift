import Foundation
import Testing
import TestSupport

/// Visits over real sockets: none acknowledged is lost to a SIGKILL, none lost to concurrency.
@Suite(.serialized) struct VisitCountingTests {
    @Test func acknowledgedVisitsSurviveSIGKILL() throws {
        let first = try ServerProcess()
        defer { first.cleanUp() }
        try first.start()
        let acknowledged = 40
        for index in 1...acknowledged {
            let response = try TestClient.post(port: first.port, "/api/visits", json: "{\"variant\":\"crash\"}")
            #expect(response.status == 201)
            #expect(response.text.contains("\"total\":\(index)"))
        }
        // No shutdown, no checkpoint: the process is killed right after the last acknowledgement.
        #expect(first.stop(signal: SIGKILL) == SIGKILL)

        let second = try ServerProcess(directory: first.directory)
        try second.start()
        defer { second.stop(signal: SIGKILL) }
        let counts = try TestClient.get(port: second.port, "/api/visits")
        #expect(counts.text == "{\"total\":\(acknowledged),\"byVariant\":{\"crash\":\(acknowledged)}}\n")
    }

    @Test func twoHundredConcurrentPostsCountExactly() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        try server.start(environment: ["ACCESS_LOG": "off"])
        let port = server.port
        let before = try TestClient.get(port: port, "/api/visits")
        #expect(before.text.hasPrefix("{\"total\":0,"))
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    try await Task.detached { try TestClient.post(port: port, "/api/visits", json: "{}").status }.value
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.count == 200)
        #expect(statuses.allSatisfy { $0 == 201 })
        let after = try TestClient.get(port: port, "/api/visits")
        #expect(after.text.hasPrefix("{\"total\":200,"))
    }
}
