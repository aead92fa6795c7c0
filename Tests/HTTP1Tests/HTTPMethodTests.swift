import Testing

@testable import HTTP1

@Suite struct HTTPMethodTests {
    @Test(arguments: ["GET", "PUT", "HEAD", "POST", "DELETE", "OPTIONS", "PATCH", "CONNECT", "get", "Get", "GETS", "PROPFIND", "X"])
    func methodFromItsTokenIsTheMethodOfThatName(_ token: String) {
        let method = Array(token.utf8).withUnsafeBufferPointer { HTTPMethod(token: $0) }
        #expect(method == HTTPMethod(rawValue: token))
        #expect(method.rawValue == token)  // Case-sensitive: `get` stays `get`, not GET.
    }
}
