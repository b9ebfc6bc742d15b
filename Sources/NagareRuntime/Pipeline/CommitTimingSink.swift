import NagareCore
import NagareEngine

/// A `TransactionalSink` that times each `commitTransaction` call of the sink it wraps and
/// reports the time (successful commits only) to `onCommit`: the commit latency of
/// `nagare run`'s `/metrics`. Everything else passes through unchanged.
final class CommitTimingSink: TransactionalSink {
    let wrapped: any TransactionalSink
    let onCommit: (Duration) -> Void

    init(_ wrapped: any TransactionalSink, onCommit: @escaping (Duration) -> Void) {
        self.wrapped = wrapped
        self.onCommit = onCommit
    }

    func beginTransaction() async throws { try await wrapped.beginTransaction() }
    func send(_ records: OutgoingRecordBlock) async throws { try await wrapped.send(records) }
    func sendOffsets(_ offsets: [PartitionOffset], groupID: String) async throws {
        try await wrapped.sendOffsets(offsets, groupID: groupID)
    }
    func abortTransaction() async throws { try await wrapped.abortTransaction() }

    func commitTransaction() async throws {
        let started = ContinuousClock.now
        try await wrapped.commitTransaction()
        onCommit(ContinuousClock.now - started)
    }
}
