import Foundation
import NagareCore
import NagareLog
import NagareWire

/// What appending a producer's batches did.
enum ProducerAppendOutcome: Sendable {
    case appended(LogAppendResult)
    /// Every batch was a retry of batches already in the log, at these offsets.
    case duplicate(firstOffset: Int64, lastOffset: Int64)
    /// A sequence or epoch rule refused the batches; nothing was appended.
    case rejected(KafkaErrorCode, String)
}

extension PartitionState {
    /// Appends a Produce request's batches for this partition after checking them against the
    /// producer state, then records them in it.
    ///
    /// The producer mutex is held across the log append: the check and the append must be one
    /// step, or two retries of the same batch racing on two connections could both pass the
    /// check. Batches without a producer id take the same path; they touch no state.
    func appendFromProducer(_ bytes: [UInt8], partitionLeaderEpoch: Int32?) throws(LogError) -> ProducerAppendOutcome {
        let spans: [RecordBatchSpan]
        do {
            // CRCs are checked by the log's append; here only the headers matter.
            spans = try RecordBatchSplitter.split(bytes, verifyingCRC: false)
        } catch {
            throw LogError(.invalidBatch, "\(log.name): rejected record batches", underlying: error)
        }
        let log = self.log
        return try producers.withLock { (table: inout ProducerStateTable) throws(LogError) -> ProducerAppendOutcome in
            // Earlier batches of the same request count for the later ones' sequence checks.
            var overlay: [Int64: ProducerEntry] = [:]
            var duplicates: [ProducerBatchMetadata] = []
            for span in spans where span.header.producerID >= 0 {
                let h = span.header
                let current = overlay[h.producerID] ?? table.producers[h.producerID]
                switch table.check(h, against: current) {
                case .accept:
                    // Offsets are unknown before the append; only sequences matter here.
                    overlay[h.producerID] = table.entry(after: h, at: 0, from: current)
                case .duplicate(let original):
                    duplicates.append(original)
                case .reject(let code, let message):
                    return .rejected(code, message)
                }
            }
            if let first = duplicates.first, let last = duplicates.last {
                guard duplicates.count == spans.count else {
                    return .rejected(.outOfOrderSequenceNumber, "a request mixes retried and new batches")
                }
                return .duplicate(firstOffset: first.firstOffset, lastOffset: last.lastOffset)
            }
            let result = try log.append(bytes, partitionLeaderEpoch: partitionLeaderEpoch)
            var next = result.baseOffset.rawValue
            for span in spans {
                var header = span.header
                header.baseOffset = next
                table.applyData(header)
                next = header.nextOffset
            }
            return .appended(result)
        }
    }

    /// Appends the commit or abort marker of `producerID`'s transaction and returns its offset.
    /// Durability is the caller's business (group commit).
    func appendMarker(producerID: Int64, producerEpoch: Int16, commit: Bool,
                      timestampMilliseconds: Int64) throws(LogError) -> Offset {
        let type: ControlRecordType = commit ? .commit : .abort
        let batch = RecordBatch.endTransactionMarker(
            EndTransactionMarker(type: type, coordinatorEpoch: 0), producerID: producerID,
            producerEpoch: producerEpoch, timestampMilliseconds: timestampMilliseconds)
        let log = self.log
        return try producers.withLock { (table: inout ProducerStateTable) throws(LogError) -> Offset in
            let result = try log.append(batch, partitionLeaderEpoch: 0)
            table.applyMarker(producerID: producerID, producerEpoch: producerEpoch, type: type,
                              offset: result.baseOffset.rawValue)
            return result.lastOffset
        }
    }

    /// The end of what a read_committed consumer may read: the high watermark, or the first
    /// offset of the oldest transaction not yet durably ended, whichever is lower.
    var lastStableOffset: Offset {
        let hw = highWatermark.rawValue
        let first = producers.withLock { $0.firstUnstableOffset(highWatermark: hw) }
        return Offset(min(first ?? hw, hw))
    }

    /// Aborted transactions overlapping `[from, upTo)`, as a Fetch response lists them.
    func abortedTransactions(from: Offset, upTo: Offset) -> [FetchResponse.AbortedTransaction] {
        producers.withLock { $0.abortedTransactions(from: from.rawValue, upTo: upTo.rawValue) }
            .map { FetchResponse.AbortedTransaction(producerID: $0.producerID, firstOffset: $0.firstOffset) }
    }

    /// Writes the producer state snapshot (see `ProducerStateTable.load`), so that the next
    /// open scans only the log written after it.
    func writeProducerSnapshot() throws(LogError) {
        let logStart = log.logStartOffset.rawValue
        let log = self.log
        let snapshot = producers.withLock { table -> ProducerStateTable.Snapshot in
            table.prune(below: logStart)
            // Read under the mutex: every append that changes the table holds it, so the
            // table is exactly the state after the log's first `endOffset` records.
            return ProducerStateTable.Snapshot(endOffset: log.logEndOffset.rawValue, table: table)
        }
        try snapshot.write(to: log.directory + "/" + ProducerStateTable.snapshotFileName)
    }
}
