/// What `GET /druid/v2/datasources/NAME` answers: Druid's `{"dimensions": [...], "metrics": [...]}`.
public struct DatasourceDescription: Sendable, Hashable {
    public var dimensions: [String]
    public var metrics: [String]

    /// The response body.
    public func json() -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("dimensions"); w.stringArray(dimensions)
        w.key("metrics"); w.stringArray(metrics)
        w.endObject()
        return w.bytes
    }
}
