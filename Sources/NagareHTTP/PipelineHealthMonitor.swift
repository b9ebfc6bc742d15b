import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
public import ServiceLifecycle
import Synchronization

/// Polls the `GET /status` endpoints of running pipelines (`nagare run --status`) for
/// `nagare serve --pipeline-status URL`, once per `interval`, and keeps each one's
/// `PipelineHealthHistory` for `GET /api/pipeline`. A pipeline that does not answer is recorded
/// as unreachable with the reason; polling goes on and nothing else is affected.
public final class PipelineHealthMonitor: Service, Sendable {
    public let urls: [String]
    let interval: Duration
    let timeout: Duration
    private let histories: Mutex<[PipelineHealthHistory]>

    /// Access tokens of the pipelines, by index in `urls`: a `token` query parameter of the URL
    /// given, sent as a Bearer header and never shown.
    private let tokens: [String?]

    /// `urls` are `http://HOST:PORT` or `http://HOST:PORT/status`; the former gets `/status`.
    /// A `?token=T` on a URL is the pipeline's access token (`nagare run --auth-token T`).
    public init(urls: [String], interval: Duration = .seconds(1), timeout: Duration = .seconds(2)) {
        let targets = urls.map(Self.statusTarget)
        self.urls = targets.map(\.url)
        self.tokens = targets.map(\.token)
        self.interval = interval
        self.timeout = timeout
        self.histories = Mutex(self.urls.map { PipelineHealthHistory(url: $0) })
    }

    static func statusURL(_ url: String) -> String { statusTarget(url).url }

    /// The status URL without its token, and the token.
    static func statusTarget(_ url: String) -> (url: String, token: String?) {
        guard var components = URLComponents(string: url) else { return (url, nil) }
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        components.path = path.hasSuffix("/status") ? path : path + "/status"
        let token = components.queryItems?.first { $0.name == "token" }?.value
        let rest = components.queryItems?.filter { $0.name != "token" } ?? []
        components.queryItems = rest.isEmpty ? nil : rest
        return (components.string ?? url, token)
    }

    /// What is wrong with `url` as a status URL, or nil if it is an absolute http(s) URL with a host.
    public static func problem(with url: String) -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = parsed.host, !host.isEmpty else {
            return "'\(url)' is not an http:// URL with a host (expected e.g. http://127.0.0.1:9090)"
        }
        return nil
    }

    /// Every pipeline's history now.
    public func snapshot() -> [PipelineHealthHistory] { histories.withLock { $0 } }

    public func run() async throws {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let session = URLSession(configuration: configuration)
        defer { session.invalidateAndCancel() }
        await withDiscardingTaskGroup { group in
            for (index, url) in urls.enumerated() {
                group.addTask { await self.poll(index: index, url: url, token: self.tokens[index], session: session) }
            }
        }
    }

    private func poll(index: Int, url: String, token: String?, session: URLSession) async {
        let decoder = JSONDecoder()
        while !Task.isCancelled && !isShuttingDown {
            let started = ContinuousClock.now
            let outcome: Result<PipelineHealthHistory.Status, any Error>
            do {
                guard let target = URL(string: url) else { throw PollError("bad URL") }
                var request = URLRequest(url: target)
                if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
                let (data, response) = try await session.data(for: request)
                if let http = response as? HTTPURLResponse, http.statusCode != 200 {
                    throw PollError("HTTP \(http.statusCode)")
                }
                outcome = .success(try decoder.decode(PipelineHealthHistory.Status.self, from: data))
            } catch let error as DecodingError {
                outcome = .failure(PollError("the answer is not a pipeline status: \(error)"))
            } catch {
                outcome = .failure(error)
            }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            histories.withLock { histories in
                switch outcome {
                case .success(let status): histories[index].record(status, at: now)
                case .failure(let error):
                    let reason = (error as? PollError)?.message ?? error.localizedDescription
                    histories[index].recordFailure("pipeline unreachable: \(reason)", at: now)
                }
            }
            let next = started + interval
            while !Task.isCancelled && !isShuttingDown && ContinuousClock.now < next {
                try? await Task.sleep(for: min(.milliseconds(200), next - .now))
            }
        }
    }

    private var isShuttingDown: Bool { Task.isShuttingDownGracefully }

    struct PollError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }
}
