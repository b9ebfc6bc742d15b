public import Hummingbird

/// The request context of every Nagare route.
public typealias NagareRequestContext = BasicRequestContext

/// A set of routes that registers itself on the server's router. The Druid endpoints, the
/// health check and (later) the dashboard and `/metrics` are each one group, so the server is
/// composed by listing groups.
public protocol RouteGroup: Sendable {
    func register(on router: Router<NagareRequestContext>)
}

/// Builds the router of `nagare serve` from route groups.
public enum NagareRouter {
    /// With `authToken`, every route (all of them: the middleware is added before any group
    /// registers) requires that token; see `AuthTokenMiddleware`.
    public static func make(_ groups: [any RouteGroup], authToken: String? = nil) -> Router<NagareRequestContext> {
        let router = Router(context: NagareRequestContext.self)
        if let authToken { router.add(middleware: AuthTokenMiddleware(token: authToken)) }
        for group in groups { group.register(on: router) }
        return router
    }
}
