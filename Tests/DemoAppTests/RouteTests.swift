@testable import DemoApp
import HTTPServer
import Testing

@Suite struct RouteTests {
    /// `Route.allows(_:)`, asked on every request, agrees with the list 405 and OPTIONS show.
    @Test(arguments: Route.allCases)
    func allowsAgreesWithAllowedMethods(route: Route) {
        for method in [HTTPMethod.get, .head, .post, .put, .patch, .delete, .options, .connect, .trace, HTTPMethod(rawValue: "get")] {
            #expect(route.allows(method) == route.allowedMethods.contains(method), "\(route) \(method)")
        }
    }

    /// Each route is matched by the path its metrics label shows, and no two share a label.
    @Test(arguments: Route.allCases)
    func aRouteIsMatchedByItsLabelsPath(route: Route) {
        #expect(Route(path: route.label.value) == route)
        #expect(Route.allCases.filter { $0.label == route.label } == [route])
    }

    /// Only the exact path is a route: no prefix, extension, case variant or encoded form of one.
    @Test(arguments: ["", "/basi", "/basicx", "/basic/", "/Basic", "//", "/api/visit", "/api/visits/", "/%62asic", "/tutorial/", "/metricz"])
    func aPathNearARouteIsNoRoute(path: String) {
        #expect(Route(path: path) == nil)
    }
}
