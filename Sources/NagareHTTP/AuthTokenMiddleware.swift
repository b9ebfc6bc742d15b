public import Hummingbird

/// Refuses every request that does not carry the server's token, so that a server bound to a
/// non-loopback address answers only those who know it.
///
/// The token comes as `Authorization: Bearer TOKEN`, or as the query parameter `?token=TOKEN`
/// so that a link opened in a browser works. A response to a request that used the query
/// parameter also sets the cookie `nagare_token` (HttpOnly, SameSite=Strict), which is accepted
/// too: the page's own requests (scripts, styles, `fetch`, `EventSource`) then carry the token
/// without the page knowing it. A request without a token, or with another one, is answered
/// 401 with a JSON error and `WWW-Authenticate: Bearer`. Only `GET /status/health` is exempt:
/// load balancers probe it without credentials and it reveals nothing.
///
/// `NagareRouter.make` adds it before any route group registers, and Hummingbird applies a
/// router middleware to every route added after it (and to the not-found answer), so every
/// route and every middleware a group adds (static files, server-sent events) is behind it.
public struct AuthTokenMiddleware: RouterMiddleware {
    public typealias Context = NagareRequestContext

    let token: [UInt8]
    /// The token as the cookie holds it: percent-encoded outside RFC 6750's `b64token`
    /// characters, which a cookie value may hold as they are.
    let cookieToken: [UInt8]
    let cookie: String

    /// The cookie set for a browser that came with `?token=`.
    public static let cookieName = "nagare_token"

    /// `token` must not be empty (an empty token would let an empty `?token=` through). The
    /// commands accept only `isValidToken` tokens; others work here too (the cookie encodes
    /// them).
    public init(token: String) {
        precondition(!token.isEmpty, "the auth token must not be empty")
        self.token = Array(token.utf8)
        var encoded = ""
        for byte in token.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80 && Self.isValidToken(String(scalar)) {
                encoded.unicodeScalars.append(scalar)
            } else {
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        cookieToken = Array(encoded.utf8)
        cookie = "\(Self.cookieName)=\(encoded); Path=/; HttpOnly; SameSite=Strict"
    }

    /// RFC 6750's `b64token` characters, all of which a cookie value may hold.
    public static func isValidToken(_ token: String) -> Bool {
        !token.isEmpty && token.unicodeScalars.allSatisfy {
            ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || "-._~+/=".unicodeScalars.contains($0)
        }
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if request.method == .get && request.uri.path == "/status/health" {
            return try await next(request, context)
        }
        let (offered, source) = Self.offeredToken(request)
        let expected = source == .cookie ? cookieToken : token
        guard let offered, Self.constantTimeEquals(Array(offered.utf8), expected) else {
            let message = offered == nil
                ? "this server requires a token: send 'Authorization: Bearer TOKEN' or add ?token=TOKEN"
                : "the token is not this server's"
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.wwwAuthenticate] = #"Bearer realm="nagare""#
            let body = #"{"error":"Unauthorized","errorMessage":"\#(message)"}"#
            return Response(status: .unauthorized, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        var response = try await next(request, context)
        if source == .query { response.headers.append(.init(name: .setCookie, value: cookie)) }
        return response
    }

    enum Source { case header, query, cookie }

    /// The bearer token of the `Authorization` header, else the `token` query parameter, else
    /// the cookie (still encoded), and where it came from.
    static func offeredToken(_ request: Request) -> (token: String?, source: Source) {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return (parts[1].trimmingCharacters(in: " "), .header)
            }
        }
        if let query = request.uri.queryParameters["token"] { return (String(query), .query) }
        return (request.cookies[cookieName]?.value, .cookie)
    }

    /// Compares in time that depends only on the lengths, never on where the first difference
    /// is, so response times do not reveal how much of a guess was right.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        if a.count != b.count { difference |= 1 }
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var s = self
        while s.first == character { s.removeFirst() }
        while s.last == character { s.removeLast() }
        return String(s)
    }
}
