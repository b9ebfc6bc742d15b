public import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /api/live`: server-sent events, one `commit` event per committed ingest step
/// (`{"datasource": …, "rows": …, "newestTimestamp": ms}`), and a comment line every
/// `heartbeat` so proxies keep the connection and a closed browser is noticed. The stream ends on
/// the server's graceful shutdown, so it never holds the shutdown up.
public struct LiveRoutes: RouteGroup {
    let broadcaster: LiveBroadcaster
    let heartbeat: Duration

    public init(broadcaster: LiveBroadcaster, heartbeat: Duration = .seconds(15)) {
        self.broadcaster = broadcaster
        self.heartbeat = heartbeat
    }

    public func register(on router: Router<NagareRequestContext>) {
        let broadcaster = self.broadcaster
        let heartbeat = self.heartbeat
        router.get("/api/live") { _, _ -> Response in
            guard let stream = broadcaster.subscribe() else {
                return JSONResponse.make(
                    status: .serviceUnavailable,
                    bytes: Array(#"{"error":"too many live streams open; retry later"}"#.utf8))
            }
            let headers: HTTPFields = [
                .contentType: "text/event-stream",
                .cacheControl: "no-cache",
            ]
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                // The browser's EventSource reconnects after `retry` ms if the stream drops.
                try await writer.write(ByteBuffer(string: "retry: 1000\n: connected\n\n"))
                let events = LiveEventSource(stream: stream, heartbeat: heartbeat)
                for await chunk in events.cancelOnGracefulShutdown() {
                    try await writer.write(ByteBuffer(string: chunk))
                }
                try await writer.finish(nil)
            })
        }
    }
}

/// The text chunks of one live stream: each commit as an SSE `commit` event, interleaved with a
/// heartbeat comment when nothing happened for `heartbeat`.
struct LiveEventSource: AsyncSequence, Sendable {
    typealias Element = String
    let stream: AsyncStream<LiveCommit>
    let heartbeat: Duration

    func makeAsyncIterator() -> AsyncStream<String>.Iterator {
        let (out, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let stream = self.stream
        let heartbeat = self.heartbeat
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await commit in stream { continuation.yield("event: commit\ndata: \(commit.json)\n\n") }
                    continuation.finish()
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: heartbeat)
                        continuation.yield(": heartbeat\n\n")
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return out.makeAsyncIterator()
    }
}
