import Foundation
import Hummingbird
import HummingbirdTesting
import NagareHTTP
import Testing

/// The token check through Hummingbird's in-process client, over a router built the way the
/// servers build theirs: a route group registered after the middleware, one that adds its own
/// middleware (as a static-file group does), and the exempt health check.
@Suite struct AuthTokenMiddlewareTests {
    /// A group with a route and a middleware of its own that answers `/static/...` itself.
    struct SampleRoutes: RouteGroup {
        struct StaticFiles: RouterMiddleware {
            typealias Context = NagareRequestContext
            func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
                if request.uri.path.hasPrefix("/static/") { return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "file"))) }
                return try await next(request, context)
            }
        }

        func register(on router: Router<NagareRequestContext>) {
            router.add(middleware: StaticFiles())
            router.get("/api/thing") { _, _ in "thing" }
        }
    }

    static let token = "s3cret-token"

    func withApp(token: String?, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = NagareRouter.make(
            [HealthRoutes(), SampleRoutes(), MetricsRoutes { $0.gauge("g", help: "h", [.init(1)]) }], authToken: token)
        try await Application(router: router).test(.router, body)
    }

    static func body(_ response: TestResponse) -> String { String(buffer: response.body) }

    @Test func withoutTokenEverythingButHealthIsRefused() async throws {
        try await withApp(token: Self.token) { client in
            for path in ["/api/thing", "/metrics", "/static/app.js", "/", "/no/such/route"] {
                try await client.execute(uri: path, method: .get) { r in
                    #expect(r.status == .unauthorized, "\(path)")
                    #expect(r.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                    #expect(r.headers[.contentType] == "application/json")
                    let json = try JSONSerialization.jsonObject(with: Data(Self.body(r).utf8)) as? [String: String]
                    #expect(json?["error"] == "Unauthorized")
                    #expect(json?["errorMessage"]?.contains("Authorization: Bearer") == true)
                }
            }
            try await client.execute(uri: "/api/thing", method: .post) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/status/health", method: .get) { r in
                #expect(r.status == .ok)
                #expect(Self.body(r) == "true")
            }
        }
    }

    @Test func wrongTokensAreRefused() async throws {
        try await withApp(token: Self.token) { client in
            for header in ["Bearer wrong", "Bearer s3cret-toke", "Bearer s3cret-token2", "Basic s3cret-token", "s3cret-token", "Bearer "] {
                try await client.execute(uri: "/api/thing", method: .get, headers: [.authorization: header]) { r in
                    #expect(r.status == .unauthorized, "\(header)")
                }
            }
            for query in ["token=", "token=wrong", "tok=s3cret-token"] {
                try await client.execute(uri: "/api/thing?\(query)", method: .get) { r in #expect(r.status == .unauthorized, "\(query)") }
            }
            try await client.execute(uri: "/api/thing", method: .get, headers: [.authorization: "Bearer wrong"]) { r in
                #expect(Self.body(r).contains("not this server's"))
            }
        }
    }

    @Test func theTokenInTheHeaderOrQueryIsAccepted() async throws {
        try await withApp(token: Self.token) { client in
            for header in ["Bearer s3cret-token", "bearer s3cret-token"] {
                try await client.execute(uri: "/api/thing", method: .get, headers: [.authorization: header]) { r in
                    #expect(r.status == .ok)
                    #expect(Self.body(r) == "thing")
                }
            }
            try await client.execute(uri: "/static/app.js?token=s3cret-token", method: .get) { r in
                #expect(r.status == .ok)
                #expect(Self.body(r) == "file")
            }
            try await client.execute(uri: "/metrics?token=s3cret-token", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == PrometheusTextWriter.contentType)
                #expect(Self.body(r).contains("# TYPE g gauge\ng 1\n"))
            }
            try await client.execute(uri: "/no/such/route", method: .get, headers: [.authorization: "Bearer s3cret-token"]) { r in
                #expect(r.status == .notFound)
            }
        }
    }

    @Test func theQueryTokenBecomesACookieThatIsAccepted() async throws {
        try await withApp(token: Self.token) { client in
            try await client.execute(uri: "/api/thing?token=s3cret-token", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.setCookie] == "nagare_token=s3cret-token; Path=/; HttpOnly; SameSite=Strict")
            }
            try await client.execute(uri: "/api/thing", method: .get, headers: [.authorization: "Bearer s3cret-token"]) { r in
                #expect(r.headers[.setCookie] == nil)
            }
            try await client.execute(uri: "/api/thing", method: .get, headers: [.cookie: "a=b; nagare_token=s3cret-token"]) { r in
                #expect(r.status == .ok)
            }
            for cookie in ["nagare_token=wrong", "other=s3cret-token", "nagare_token="] {
                try await client.execute(uri: "/api/thing", method: .get, headers: [.cookie: cookie]) { r in
                    #expect(r.status == .unauthorized, "\(cookie)")
                }
            }
        }
    }

    @Test func aTokenOutsideBearerCharactersIsPercentEncodedInTheCookie() async throws {
        try await withApp(token: "t<k>&1 é") { client in
            try await client.execute(uri: "/api/thing?token=t%3Ck%3E%261%20%C3%A9", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.setCookie] == "nagare_token=t%3Ck%3E%261%20%C3%A9; Path=/; HttpOnly; SameSite=Strict")
            }
            try await client.execute(uri: "/api/thing", method: .get, headers: [.cookie: "nagare_token=t%3Ck%3E%261%20%C3%A9"]) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/api/thing", method: .get, headers: [.cookie: "nagare_token=t%3Ck%3E%261%20%C3%A8"]) { r in
                #expect(r.status == .unauthorized)
            }
        }
    }

    @Test func tokensAreBearerTokenCharacters() {
        #expect(AuthTokenMiddleware.isValidToken("abcXYZ019-._~+/="))
        for bad in ["", "a b", "a;b", "a,b", "a\"b", "a\\b", "é"] {
            #expect(!AuthTokenMiddleware.isValidToken(bad), "\(bad)")
        }
    }

    @Test func withoutATokenConfiguredNothingIsChecked() async throws {
        try await withApp(token: nil) { client in
            try await client.execute(uri: "/api/thing", method: .get) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { r in #expect(r.status == .ok) }
        }
    }
}
