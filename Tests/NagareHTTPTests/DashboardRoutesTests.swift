import Foundation
import Hummingbird
import HummingbirdTesting
@testable import NagareHTTP
import Testing

/// The dashboard's files: served with their content types, and the compiled-in copies equal the
/// files in Sources/NagareHTTP/Dashboard/ (run scripts/embed-dashboard.py after editing them).
@Suite struct DashboardRoutesTests {
    static let dashboardDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/NagareHTTP/Dashboard")

    @Test func embeddedFilesEqualTheSources() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.dashboardDirectory.path)
            .filter { !$0.hasPrefix(".") }.sorted()
        #expect(names == DashboardAssets.files.keys.sorted(), "run scripts/embed-dashboard.py")
        for name in names {
            let source = try String(contentsOf: Self.dashboardDirectory.appendingPathComponent(name), encoding: .utf8)
            let expected = source.hasSuffix("\n") ? source : source + "\n"
            #expect(DashboardAssets.files[name] == expected, "\(name) differs from its embedded copy: run scripts/embed-dashboard.py")
        }
    }

    @Test func filesAreServedWithTheirContentTypes() async throws {
        let router = NagareRouter.make([DashboardRoutes()])
        try await Application(router: router).test(.router) { client in
            let cases = [
                ("/", "text/html; charset=utf-8", "<!doctype html>"),
                ("/dashboard/dashboard.js", "text/javascript; charset=utf-8", "import "),
                ("/dashboard/chart.js", "text/javascript; charset=utf-8", "export function drawChart"),
                ("/dashboard/dashboard.css", "text/css; charset=utf-8", ":root"),
            ]
            for (path, type, start) in cases {
                try await client.execute(uri: path, method: .get) { r in
                    #expect(r.status == .ok, "\(path)")
                    #expect(r.headers[.contentType] == type, "\(path)")
                    #expect(String(buffer: r.body).contains(start), "\(path)")
                }
            }
            try await client.execute(uri: "/", method: .get) { r in
                #expect(!String(buffer: r.body).contains("importmap"), "no token, no rewriting")
            }
            try await client.execute(uri: "/dashboard/missing.js", method: .get) { r in
                #expect(r.status == .notFound)
                #expect(String(buffer: r.body).contains("no dashboard file 'missing.js'"))
            }
        }
    }

    @Test func withATokenThePageLoadsItsFilesWithIt() async throws {
        let router = NagareRouter.make([DashboardRoutes()], authToken: "t<k>&1")
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/?token=t%3Ck%3E%261&r=1h", method: .get) { r in
                let page = String(buffer: r.body)
                #expect(r.status == .ok)
                #expect(page.contains(#"href="/dashboard/dashboard.css?token=t%3Ck%3E%261""#))
                #expect(page.contains(#"src="/dashboard/dashboard.js?token=t%3Ck%3E%261""#))
                #expect(page.contains(#""/dashboard/chart.js": "/dashboard/chart.js?token=t%3Ck%3E%261""#))
                #expect(page.range(of: "importmap")!.lowerBound < page.range(of: #"type="module""#)!.lowerBound)
                #expect(!page.contains("t<k>"))
            }
            try await client.execute(uri: "/dashboard/chart.js?token=t%3Ck%3E%261", method: .get) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/dashboard/chart.js", method: .get) { r in #expect(r.status == .unauthorized) }
        }
    }

    @Test func indexReferencesOnlyFilesThatExist() throws {
        let index = try #require(DashboardAssets.files["index.html"])
        for match in index.matches(of: /\/dashboard\/([A-Za-z0-9._-]+)/) {
            #expect(DashboardAssets.files[String(match.1)] != nil, "index.html loads \(match.0)")
        }
    }
}
