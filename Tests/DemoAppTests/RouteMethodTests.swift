@testable import DemoApp
import HTTPServer
import Testing

/// `Route.allows(_:)`, asked on every request, agrees with the list 405 and OPTIONS show.
@Suite struct RouteMethodTests {
    @Test(arguments: Route.allCases)
    func allowsAgreesWithAllowedMethods(route: Route) {
        for method in [HTTPMethod.get, .head, .post, .put, .patch, .delete, .options, .connect, .trace, HTTPMethod(rawValue: "get")] {
            #expect(route.allows(method) == route.allowedMethods.contains(method), "\(route) \(method)")
        }
    }
}
