/// A parsed response as the test client saw it.
package struct TestResponse {
    package var version: String
    package var status: Int
    package var reason: String
    package var headers: [(name: String, value: String)]
    package var body: [UInt8] = []

    package init(head: [UInt8]) throws {
        let text = String(decoding: head, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else { throw TestClient.Failure.malformed(text) }
        lines.removeLast(2)  // The empty line and what follows the final CRLF.
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw TestClient.Failure.malformed(text) }
        version = String(statusLine[0])
        self.status = status
        reason = statusLine.count > 2 ? String(statusLine[2]) : ""
        headers = try lines.map { line in
            guard let colon = line.firstIndex(of: ":") else { throw TestClient.Failure.malformed(line) }
            return (String(line[..<colon]), Self.trimmingOptionalWhitespace(line[line.index(after: colon)...]))
        }
    }

    /// Every value of the named field.
    package func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// The first value of the named field.
    package func header(_ name: String) -> String? {
        values(name).first
    }

    package var contentLength: Int? { header("Content-Length").flatMap { Int($0) } }

    /// Whether the server announced it closes the connection after this response.
    package var closes: Bool { values("Connection").contains { $0.lowercased() == "close" } }

    package var text: String { String(decoding: body, as: UTF8.self) }

    /// A field value without the spaces and tabs around it (RFC 9110 §5.5's optional whitespace).
    private static func trimmingOptionalWhitespace(_ text: Substring) -> String {
        let isWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(text.drop(while: isWhitespace).reversed().drop(while: isWhitespace).reversed())
    }
}
