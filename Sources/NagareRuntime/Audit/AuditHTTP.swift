import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The audit's HTTP calls: the pipelines' `/status` and the store's Druid endpoint.
enum AuditHTTP {
    static func json(_ url: String, body: [String: Any]? = nil, timeout: TimeInterval = 10) async throws -> Any {
        guard let u = URL(string: url) else { throw AuditError("bad URL \(url)") }
        var request = URLRequest(url: u, timeoutInterval: timeout)
        if let body {
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw AuditError("\(url): HTTP \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return try JSONSerialization.jsonObject(with: data)
    }
}

/// What the audit reads from a pipeline process's `GET /status`.
struct WorkerProgress {
    var batches: Int
    /// Every assigned partition has committed up to its end offset (and it has some).
    var isCaughtUp: Bool

    init(statusJSON: Any) {
        let object = statusJSON as? [String: Any] ?? [:]
        batches = (object["totals"] as? [String: Any])?["batches"] as? Int ?? 0
        let partitions = object["partitions"] as? [[String: Any]] ?? []
        isCaughtUp = !partitions.isEmpty && partitions.allSatisfy { p in
            guard let committed = p["committedOffset"] as? Int, let end = p["endOffset"] as? Int else { return false }
            return committed >= end
        }
    }
}
