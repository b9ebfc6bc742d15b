import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Asks the demo's store, over its Druid endpoint, how many events it holds per minute: what the
/// demo compares with the generator's counts.
struct StoreCountsClient: Sendable {
    /// `http://HOST:PORT` of `nagare serve`.
    let baseURL: String
    let datasource: String

    /// Events per minute start (the store's timestamp text) over all time; minutes without
    /// events are left out.
    func eventsPerMinute() async throws -> [String: Int] {
        let query: [String: Any] = [
            "queryType": "timeseries", "dataSource": datasource, "granularity": "minute",
            "intervals": ["2000-01-01T00:00:00Z/2100-01-01T00:00:00Z"],
            "aggregations": [["type": "longSum", "name": "events", "fieldName": "count"]],
            "context": ["skipEmptyBuckets": true],
        ]
        guard let url = URL(string: "\(baseURL)/druid/v2") else { throw DemoError("bad store URL \(baseURL)") }
        var request = URLRequest(url: url, timeoutInterval: 30)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: query)
        let (data, response) = try await URLSession.shared.data(for: request)
        let code = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard code == 200, let rows = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw DemoError("the store answered HTTP \(code) to a timeseries query: \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        var minutes: [String: Int] = [:]
        for row in rows {
            guard let timestamp = row["timestamp"] as? String, let result = row["result"] as? [String: Any],
                  let events = (result["events"] as? NSNumber)?.intValue, events != 0 else { continue }
            minutes[timestamp] = events
        }
        return minutes
    }
}
