import Dispatch
import NagareCore
public import NagareLog
import NagareWire

/// What replaying the offsets log found when the coordinator opened.
public struct GroupLoadReport: Hashable, Sendable {
    /// What opening the log itself found and repaired (torn tail after a crash, …).
    public var logRecovery: LogRecoveryReport
    /// Records applied.
    public var records = 0
    /// Records skipped: unknown kinds or versions (a newer broker wrote them) or bytes that do
    /// not parse. A non-zero count after a downgrade is expected; otherwise it means damage.
    public var skippedRecords = 0
    /// Groups known after the replay.
    public var groups = 0
    /// Committed offsets known after the replay.
    public var committedOffsets = 0
    /// Transactions with staged offsets still open after the replay; the transaction
    /// coordinator ends them.
    public var pendingTransactions = 0
}

/// The durable side of the group coordinator: `__consumer_offsets-0`, a compacted
/// `PartitionLog` of `GroupRecord`s.
///
/// Appends are quick (they go to the page cache) and run on the caller's thread; `flush`
/// runs the fsync on a dedicated dispatch queue, so that neither the coordinator actor nor
/// the cooperative thread pool waits for the disk. Concurrent commits share fsyncs: one flush
/// makes everything appended before it durable.
final class GroupOffsetStore: Sendable {
    static let topicPartition = TopicPartition("__consumer_offsets", 0)
    /// Bytes read per step while replaying.
    static let replayReadBytes = 1024 * 1024

    let log: PartitionLog
    private let diskQueue = DispatchQueue(label: "nagare.group-coordinator.disk")

    init(dataDirectory: String, segmentBytesMax: Int,
         currentTimeMilliseconds: @escaping @Sendable () -> Int64) throws(LogError) {
        var configuration = LogConfiguration()
        configuration.cleanupPolicy = .compact
        configuration.segmentBytesMax = segmentBytesMax
        log = try PartitionLog(
            topicPartition: Self.topicPartition, dataDirectory: dataDirectory, configuration: configuration,
            currentTimeMilliseconds: currentTimeMilliseconds)
    }

    /// Appends `records` as one batch (so they become durable together or not at all) and
    /// returns the log offset of the first; record `i` gets `base + i`.
    func append(_ records: [GroupRecord], timestampMilliseconds: Int64) throws(LogError) -> Int64 {
        let batch = RecordBatch(entries: records.map { r in
            (key: r.key, value: r.value, headers: [], timestampMilliseconds: timestampMilliseconds)
        })
        return try log.append(batch).baseOffset.rawValue
    }

    /// Makes everything appended so far durable.
    func flush() async -> Result<Void, LogError> {
        let log = self.log
        return await withCheckedContinuation { continuation in
            diskQueue.async {
                do throws(LogError) {
                    try log.flush()
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
    }

    /// Appends `records` and waits until they are durable; returns the first record's offset.
    func write(_ records: [GroupRecord], timestampMilliseconds: Int64) async -> Result<Int64, LogError> {
        let base: Int64
        do throws(LogError) {
            base = try append(records, timestampMilliseconds: timestampMilliseconds)
        } catch {
            return .failure(error)
        }
        return await flush().map { base }
    }

    /// Compacts closed segments, off the caller's thread.
    func compact() async -> Result<CompactionReport, LogError> {
        let log = self.log
        return await withCheckedContinuation { continuation in
            diskQueue.async {
                do throws(LogError) {
                    continuation.resume(returning: .success(try log.compact()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
    }

    /// Calls `apply` with every record from the log start to its end, in log order, with the
    /// record's offset. Records that do not decode are counted and skipped: one damaged record
    /// must not keep the broker from starting.
    func replay(_ apply: (GroupRecord, Int64) -> Void) throws(LogError) -> (applied: Int, skipped: Int) {
        var applied = 0
        var skipped = 0
        var position = log.logStartOffset
        let end = log.logEndOffset
        while position < end {
            let bytes = try log.read(from: position, maxBytes: Self.replayReadBytes)
            guard !bytes.isEmpty else { break }
            let spans: [RecordBatchSpan]
            do {
                spans = try RecordBatchSplitter.split(bytes)
            } catch {
                throw LogError(.corrupt, "\(log.name): unreadable batch at offset \(position)", underlying: error)
            }
            guard let last = spans.last else { break }
            for span in spans {
                guard !span.header.isControl else { continue }
                let batch: RecordBatch
                do {
                    batch = try RecordBatch(decoding: bytes, in: span.range)
                } catch {
                    skipped += Int(span.header.recordCount)
                    continue
                }
                for record in batch.records {
                    let offset = span.header.baseOffset + Int64(record.offsetDelta)
                    guard offset >= position.rawValue, let key = record.key else { continue }
                    do {
                        if let decoded = try GroupRecord(key: key, value: record.value) {
                            apply(decoded, offset)
                            applied += 1
                        } else {
                            skipped += 1
                        }
                    } catch {
                        skipped += 1
                    }
                }
            }
            let next = Offset(last.header.nextOffset)
            guard next > position else { break }
            position = next
        }
        return (applied, skipped)
    }

    func close() throws(LogError) {
        try log.close()
    }
}
