import Foundation
public import Synchronization

/// One ingest step of the store, committed: what the dashboard needs to know that its view may
/// have changed.
public struct LiveCommit: Sendable, Hashable {
    public var datasource: String
    /// Events rolled up by the step.
    public var rows: Int
    /// The newest Kafka timestamp among the step's records (ms since the epoch), if any.
    public var newestTimestampMilliseconds: Int64?

    public init(datasource: String, rows: Int, newestTimestampMilliseconds: Int64?) {
        self.datasource = datasource
        self.rows = rows
        self.newestTimestampMilliseconds = newestTimestampMilliseconds
    }

    /// The event's JSON, as sent in a server-sent event's `data:` line.
    var json: String {
        let newest = newestTimestampMilliseconds.map(String.init) ?? "null"
        let name = (try? JSONEncoder().encode(datasource)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        return #"{"datasource":\#(name),"rows":\#(rows),"newestTimestamp":\#(newest)}"#
    }
}

/// Fans each committed ingest step out to every open `GET /api/live` stream.
///
/// The ingestor calls `publish` after its SQLite commit; it never waits: each subscriber has a
/// bounded buffer that keeps the newest events, so a slow browser loses old notifications (which
/// only say "refetch") rather than slowing ingestion or growing memory.
public final class LiveBroadcaster: Sendable {
    /// Open streams at once; one more is refused (503). Default: 64.
    public let maxSubscribers: Int
    /// Events buffered per stream before the oldest are dropped. Default: 16.
    public let bufferPerSubscriber: Int

    private struct State {
        var nextID = 0
        var subscribers: [Int: AsyncStream<LiveCommit>.Continuation] = [:]
        var isFinished = false
    }
    private let state = Mutex(State())

    public init(maxSubscribers: Int = 64, bufferPerSubscriber: Int = 16) {
        self.maxSubscribers = maxSubscribers
        self.bufferPerSubscriber = bufferPerSubscriber
    }

    /// Sends `commit` to every subscriber without waiting.
    public func publish(_ commit: LiveCommit) {
        let continuations = state.withLock { Array($0.subscribers.values) }
        for continuation in continuations { continuation.yield(commit) }
    }

    /// A stream of the commits published from now on, or nil when `maxSubscribers` streams are
    /// open or the broadcaster is finished. The stream ends when `finish()` is called; dropping
    /// it unsubscribes.
    public func subscribe() -> AsyncStream<LiveCommit>? {
        let (stream, continuation) = AsyncStream<LiveCommit>.makeStream(
            bufferingPolicy: .bufferingNewest(bufferPerSubscriber))
        let id: Int? = state.withLock { state in
            guard !state.isFinished, state.subscribers.count < maxSubscribers else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = continuation
            return id
        }
        guard let id else { return nil }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Open streams now.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Ends every stream (server shutdown) and refuses new ones.
    public func finish() {
        let continuations = state.withLock { state in
            state.isFinished = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
