extension TestClient {
    /// Sends `request` exactly as given (so targets like `/../x` reach the server unnormalised) on
    /// a fresh connection to 127.0.0.1, and reads one response.
    /// - Parameters:
    ///   - isHead: The request is a HEAD: the response has no content, whatever its length says.
    package static func exchange(port: Int, _ request: String, isHead: Bool = false, timeout: Duration = defaultTimeout) throws -> TestResponse {
        let client = try TestClient(port: port)
        defer { client.close() }
        try client.send(request, timeout: timeout)
        return try client.readResponse(isHead: isHead, timeout: timeout)
    }

    /// A GET with `Connection: close` on a fresh connection.
    package static func get(port: Int, _ target: String, headers: [String: String] = [:]) throws -> TestResponse {
        try exchange(port: port, "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\(fields(headers))\r\n")
    }

    /// A HEAD with `Connection: close` on a fresh connection.
    package static func head(port: Int, _ target: String) throws -> TestResponse {
        try exchange(port: port, "HEAD \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", isHead: true)
    }

    /// A POST of a JSON body with `Connection: close` on a fresh connection.
    package static func post(port: Int, _ target: String, json: String) throws -> TestResponse {
        try exchange(
            port: port,
            "POST \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(json.utf8.count)\r\n\r\n\(json)")
    }

    /// A keep-alive GET on this connection, and its response.
    package func get(_ target: String, headers: [String: String] = [:]) throws -> TestResponse {
        try send("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(Self.fields(headers))\r\n")
        return try readResponse()
    }

    private static func fields(_ headers: [String: String]) -> String {
        headers.map { "\($0.key): \($0.value)\r\n" }.joined()
    }
}
