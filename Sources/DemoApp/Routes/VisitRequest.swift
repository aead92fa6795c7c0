#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import HTTPServer

/// The optional body of `POST /api/visits`: `{"variant": "..."}`, nothing else.
struct VisitRequest: Decodable {
    /// The largest body accepted; the API takes one short field.
    static let maxBodySize = 1024

    var variant: String?

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        // Unknown fields are an error, not ignored: a typo like "varient" must not pass silently.
        for key in container.allKeys where key.stringValue != "variant" {
            throw VisitRequestError("unknown field \(key.stringValue.jsonQuoted); only \"variant\" is accepted")
        }
        let variantKey = Key(stringValue: "variant")
        guard container.contains(variantKey), try !container.decodeNil(forKey: variantKey) else {
            variant = nil
            return
        }
        guard let value = try? container.decode(String.self, forKey: variantKey) else {
            throw VisitRequestError("\"variant\" must be a string")
        }
        variant = value
    }

    /// Validates and decodes a request.
    /// - Parameters:
    ///   - request: The POST request.
    ///   - defaultVariant: The variant when the body names none.
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
        let decoded: VisitRequest
        do {
            decoded = try JSONDecoder().decode(VisitRequest.self, from: Data(request.body))
        } catch let error as VisitRequestError {
            throw HTTPError(.badRequest, error.message)
        } catch DecodingError.typeMismatch {
            throw HTTPError(.badRequest, "the body must be a JSON object")
        } catch {
            throw HTTPError(.badRequest, "the body is not valid JSON")
        }
        guard let variant = decoded.variant else { return defaultVariant }
        guard DemoConfiguration.isValidVariant(variant) else {
            throw HTTPError(.badRequest, "\"variant\" must be 1-32 characters of a-z, 0-9, '.', '_' or '-'")
        }
        return variant
    }
}

struct VisitRequestError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
