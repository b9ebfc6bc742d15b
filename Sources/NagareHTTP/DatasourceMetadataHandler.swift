import Foundation
public import Hummingbird
public import NagareStore

/// `GET /druid/v2/datasources` → `["access-logs", ...]` and `GET /druid/v2/datasources/NAME` →
/// `{"dimensions": [...], "metrics": [...]}`, as Druid's broker answers them (pydruid and
/// Superset list datasources and columns this way). An unknown name is a 404 in Druid's error
/// shape.
public struct DatasourceMetadataHandler: RouteGroup {
    let store: AnalyticsStore

    public init(store: AnalyticsStore) { self.store = store }

    public func register(on router: Router<NagareRequestContext>) {
        router.get("/druid/v2/datasources") { _, _ in listDatasources() }
        router.get("/druid/v2/datasources/:name") { _, context in
            try describe(context.parameters.require("name"))
        }
    }

    func listDatasources() -> Response {
        JSONResponse.make(bytes: Array(jsonStringArray(store.datasources()).utf8))
    }

    func describe(_ name: String) throws(DruidError) -> Response {
        guard store.datasources().contains(name) else {
            throw DruidError.notFound("unknown datasource '\(name)' (known: \(store.datasources().joined(separator: ", ")))")
        }
        do {
            return JSONResponse.make(bytes: try store.describe(name).json())
        } catch {
            throw DruidError(error)
        }
    }
}

/// `["a","b"]` with JSON string escaping.
func jsonStringArray(_ values: [String]) -> String {
    "[" + values.map(jsonString).joined(separator: ",") + "]"
}

func jsonString(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
