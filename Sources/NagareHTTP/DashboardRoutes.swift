public import Hummingbird
import NIOCore

/// The dashboard's static files: `GET /` is its page, `GET /dashboard/NAME` its script, style
/// sheet and icon. They are compiled into the binary (`DashboardAssets`), so a binary copied
/// anywhere serves the same page; the page itself talks to `POST /druid/v2`, `GET /api/live`
/// and `GET /api/pipeline`.
public struct DashboardRoutes: RouteGroup {
    public init() {}

    public func register(on router: Router<NagareRequestContext>) {
        router.get("/") { _, _ in Self.response(for: "index.html") }
        router.get("/dashboard/:name") { _, context -> Response in
            let name = context.parameters.get("name") ?? ""
            return Self.response(for: name)
        }
    }

    static func response(for name: String) -> Response {
        guard let asset = DashboardAssets.files[name] else {
            return Response(
                status: .notFound,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "no dashboard file '\(name)'\n")))
        }
        return Response(
            status: .ok,
            headers: [.contentType: contentType(of: name), .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: asset)))
    }

    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        default: "application/octet-stream"
        }
    }
}
