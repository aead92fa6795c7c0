import HTTPServer

/// The optional body of `POST /api/visits`: `{"variant": "..."}`, nothing else.
enum VisitRequest {
    /// The largest body accepted; the API takes one short field.
    static let maxBodySize = 1024

    /// Validates and decodes a request.
    /// - Parameters:
    ///   - request: The POST request.
    ///   - defaultVariant: The variant when the body names none (no body, `{}`, or a null variant).
    /// - Returns: The variant to record.
    /// - Throws: `HTTPError` with 400, 413 or 415 and a message safe to show.
    static func variant(from request: HTTPRequest, defaultVariant: String) throws -> String {
        if request.body.isEmpty { return defaultVariant }
        guard request.body.count <= maxBodySize else {
            throw HTTPError(.contentTooLarge, "body larger than \(maxBodySize) bytes")
        }
        let mediaType = request.headers["Content-Type"]?.split(separator: ";").first?.trimmingSpaces().lowercased()
        guard mediaType == "application/json" else {
            throw HTTPError(.unsupportedMediaType, "Content-Type must be application/json")
        }
        let body: JSONValue
        do {
            body = try JSONReader.read(request.body)
        } catch {
            // Two "variant" members would leave it to the reader which one counts, so the text is
            // refused, with the name, rather than read one way here and another by a proxy.
            if case .duplicateName(let name) = error.kind {
                throw HTTPError(.badRequest, "duplicate field \(name.jsonQuoted)")
            }
            throw HTTPError(.badRequest, "the body is not valid JSON")
        }
        guard let members = body.objectMembers else {
            throw HTTPError(.badRequest, "the body must be a JSON object")
        }
        // Unknown fields are an error, not ignored: a typo like "varient" must not pass silently.
        // Names compare by bytes, as `body["variant"]` looks them up (RFC 8259 §8.3).
        for member in members where !member.name.utf8.elementsEqual("variant".utf8) {
            throw HTTPError(.badRequest, "unknown field \(member.name.jsonQuoted); only \"variant\" is accepted")
        }
        guard let value = body["variant"], value != .null else { return defaultVariant }
        guard let variant = value.stringValue else {
            throw HTTPError(.badRequest, "\"variant\" must be a string")
        }
        guard DemoConfiguration.isValidVariant(variant) else {
            throw HTTPError(.badRequest, "\"variant\" must be 1-32 characters of a-z, 0-9, '.', '_' or '-'")
        }
        return variant
    }
}
