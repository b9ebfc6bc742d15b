import Dispatch
import NagareCore
import NagareLog
import NagareWire

/// The durable side of the transaction coordinator: `<data>/__transaction_state-0`, a
/// compacted `PartitionLog` of `TransactionRecord`s, one per state change of a transactional
/// id. fsyncs run on a dedicated queue so that neither the coordinator actor nor the
/// cooperative thread pool waits for the disk.
final class TransactionLog: Sendable {
    static let topicPartition = TopicPartition("__transaction_state", 0)
    static let replayReadBytes = 1024 * 1024

    let log: PartitionLog
    private let diskQueue = DispatchQueue(label: "nagare.transaction-coordinator.disk")

    init(dataDirectory: String, segmentBytesMax: Int,
         currentTimeMilliseconds: @escaping @Sendable () -> Int64) throws(LogError) {
        var configuration = LogConfiguration()
        configuration.cleanupPolicy = .compact
        configuration.segmentBytesMax = segmentBytesMax
        log = try PartitionLog(topicPartition: Self.topicPartition, dataDirectory: dataDirectory,
                               configuration: configuration, currentTimeMilliseconds: currentTimeMilliseconds)
    }

    /// Appends the states and, when `durably`, waits until they are on disk.
    func write(_ states: [TransactionMetadata], timestampMilliseconds: Int64, durably: Bool) async -> Result<Void, LogError> {
        let batch = RecordBatch(entries: states.map { m in
            (key: TransactionRecord.key(m.transactionalID), value: TransactionRecord.value(m), headers: [],
             timestampMilliseconds: timestampMilliseconds)
        })
        do throws(LogError) { _ = try log.append(batch) } catch { return .failure(error) }
        guard durably else { return .success(()) }
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

    /// Compacts closed segments, off the caller's thread.
    func compact() async -> Result<CompactionReport, LogError> {
        let log = self.log
        return await withCheckedContinuation { continuation in
            diskQueue.async {
                do throws(LogError) { continuation.resume(returning: .success(try log.compact())) } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
    }

    /// Every transactional id's last state. Records that do not decode are counted and skipped,
    /// so that one damaged record does not keep the broker from starting.
    func replay() throws(LogError) -> (states: [String: TransactionMetadata], skipped: Int) {
        var states: [String: TransactionMetadata] = [:]
        var skipped = 0
        var position = log.logStartOffset
        let end = log.logEndOffset
        while position < end {
            let bytes = try log.read(from: position, maxBytes: Self.replayReadBytes)
            guard !bytes.isEmpty else { break }
            let spans: [RecordBatchSpan]
            do { spans = try RecordBatchSplitter.split(bytes) } catch {
                throw LogError(.corrupt, "\(log.name): unreadable batch at offset \(position)", underlying: error)
            }
            guard let last = spans.last, Offset(last.header.nextOffset) > position else { break }
            for span in spans where !span.header.isControl {
                guard let batch = try? RecordBatch(decoding: bytes, in: span.range) else {
                    skipped += Int(span.header.recordCount)
                    continue
                }
                for record in batch.records {
                    guard span.header.baseOffset + Int64(record.offsetDelta) >= position.rawValue else { continue }
                    guard let key = record.key, let decoded = try? TransactionRecord.decode(key: key, value: record.value) else {
                        skipped += 1
                        continue
                    }
                    states[decoded.transactionalID] = decoded
                }
            }
            position = Offset(last.header.nextOffset)
        }
        return (states, skipped)
    }

    func close() throws(LogError) { try log.close() }
}
