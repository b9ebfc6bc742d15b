import Foundation
public import Hummingbird
import NIOCore

/// The dashboard's static files: `GET /` is its page, `GET /dashboard/NAME` its script, style
/// sheet and icon. They are compiled into the binary (`DashboardAssets`), so a binary copied
/// anywhere serves the same page; the page itself talks to `POST /druid/v2`, `GET /api/live`
/// and `GET /api/pipeline`.
public struct DashboardRoutes: RouteGroup {
    public init() {}

    public func register(on router: Router<NagareRequestContext>) {
        router.get("/") { request, _ in
            // Only reached with the right token when the server has one (AuthTokenMiddleware).
            Self.response(for: "index.html", token: request.uri.queryParameters["token"].map(String.init))
        }
        router.get("/dashboard/:name") { _, context -> Response in
            let name = context.parameters.get("name") ?? ""
            return Self.response(for: name)
        }
    }

    static func response(for name: String, token: String? = nil) -> Response {
        guard var asset = DashboardAssets.files[name] else {
            return Response(
                status: .notFound,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "no dashboard file '\(name)'\n")))
        }
        if let token, !token.isEmpty, name == "index.html" { asset = withToken(asset, token) }
        return Response(
            status: .ok,
            headers: [.contentType: contentType(of: name), .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: asset)))
    }

    /// The page for a server with an access token, opened as `/?token=…`: the browser loads
    /// the style sheet and scripts without the page's query string, so each of their URLs gets
    /// the token, and an import map gives it to the modules the scripts import from each other.
    /// The token is percent-encoded (letters and digits only stay), so it can break neither
    /// the HTML nor the JSON of the map.
    static func withToken(_ page: String, _ token: String) -> String {
        let encoded = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        var page = page
        var map: [String] = []
        for name in DashboardAssets.files.keys.sorted() where name != "index.html" {
            page = page.replacingOccurrences(of: "\"/dashboard/\(name)\"", with: "\"/dashboard/\(name)?token=\(encoded)\"")
            if name.hasSuffix(".js") { map.append("\"/dashboard/\(name)\": \"/dashboard/\(name)?token=\(encoded)\"") }
        }
        let importMap = "<script type=\"importmap\">{\"imports\": {\(map.joined(separator: ", "))}}</script>\n"
        if let module = page.range(of: "<script type=\"module\"") {
            page.insert(contentsOf: importMap, at: module.lowerBound)
        }
        return page
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
