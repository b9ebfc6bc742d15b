import NagareWire

/// Where one batch of an idempotent producer landed: its sequence range and its offsets.
struct ProducerBatchMetadata: Codable, Hashable, Sendable {
    var firstSequence: Int32
    var lastSequence: Int32
    var firstOffset: Int64
    var lastOffset: Int64
}

/// What a partition remembers of one producer id (Kafka's `ProducerStateEntry`).
struct ProducerEntry: Codable, Hashable, Sendable {
    var producerEpoch: Int16
    /// The last `ProducerStateTable.cachedBatchesMax` batches of the current epoch, oldest
    /// first: enough to answer a retry of any request a client may still have in flight
    /// (librdkafka and the Java client cap in-flight requests at 5 with idempotence).
    var batches: [ProducerBatchMetadata] = []
}

/// A transaction that ended with an abort marker: read_committed consumers drop
/// `producerID`'s records between `firstOffset` and `lastOffset` (the marker's offset).
struct AbortedTransactionEntry: Codable, Hashable, Sendable {
    var producerID: Int64
    var firstOffset: Int64
    var lastOffset: Int64
}

/// A transaction whose marker is written but not yet below the high watermark: it keeps the
/// LSO where it was until the marker is durable, as Kafka keeps "unreplicated" transactions,
/// so that a crash cannot take back a marker a read_committed consumer has acted on.
struct CompletedTransaction: Codable, Hashable, Sendable {
    var firstOffset: Int64
    var markerOffset: Int64
}

/// The per-partition state of idempotent and transactional producers: sequence numbers for
/// deduplication, the transactions still open in the partition (which bound the last stable
/// offset), and the index of aborted transactions that read_committed fetches return.
///
/// Pure logic over batch headers, no I/O, so that the sequence rules and the LSO are tested
/// directly. `PartitionState` owns one behind a mutex and holds that mutex across the append,
/// so that the check and the append it allows are one step.
///
/// Sequence rules (Kafka's `ProducerAppendInfo`, KIP-98 and KIP-360):
/// - an epoch below the producer's current epoch is fenced: INVALID_PRODUCER_EPOCH;
/// - a batch equal (epoch, first and last sequence) to one of the cached batches is a retry:
///   it is not appended again and the original offsets are returned without an error;
/// - a higher epoch (a bump after an abortable error, or a new transactional incarnation) must
///   start at sequence 0: OUT_OF_ORDER_SEQUENCE_NUMBER otherwise;
/// - within an epoch the first sequence must follow the last one (with wrap-around at
///   Int32.max): OUT_OF_ORDER_SEQUENCE_NUMBER otherwise;
/// - a producer id the partition does not know is accepted at any sequence, as Kafka does
///   since KIP-360: its state may have been removed with the data (retention), and the broker
///   cannot tell that from a new producer. Producer state is rebuilt from the log after a
///   restart, so a retry across a restart is still recognised.
struct ProducerStateTable: Codable, Hashable, Sendable {
    static let cachedBatchesMax = 5

    var producers: [Int64: ProducerEntry] = [:]
    /// Open transactions in this partition: producer id → offset of its first record.
    var ongoing: [Int64: Int64] = [:]
    /// Aborted transactions, in the order of their markers (so `lastOffset` increases).
    var aborted: [AbortedTransactionEntry] = []
    /// Ended transactions whose marker may still be above the high watermark.
    var completing: [CompletedTransaction] = []

    init() {}

    /// The verdict on one incoming batch.
    enum Check: Equatable, Sendable {
        /// Append it.
        case accept
        /// A retry of a batch already in the log: answer with its offsets.
        case duplicate(ProducerBatchMetadata)
        case reject(KafkaErrorCode, String)
    }

    /// The last sequence of a batch, wrapping past Int32.max as producers do.
    static func lastSequence(of header: RecordBatchHeader) -> Int32 {
        let first = Int64(header.baseSequence)
        let last = first + Int64(header.lastOffsetDelta)
        return last > Int64(Int32.max) ? Int32(last - Int64(Int32.max) - 1) : Int32(last)
    }

    static func isInSequence(last: Int32, next: Int32) -> Bool {
        next == last &+ 1 || (next == 0 && last == Int32.max)
    }

    /// Checks a producer's batch against the partition's state.
    func check(_ header: RecordBatchHeader) -> Check {
        check(header, against: header.producerID >= 0 ? producers[header.producerID] : nil)
    }

    /// Checks a producer's batch against `entry` — the producer's entry as earlier batches of
    /// the same request would leave it.
    func check(_ header: RecordBatchHeader, against entry: ProducerEntry?) -> Check {
        let producerID = header.producerID
        guard producerID >= 0 else { return .accept }
        if header.isControl {
            return .reject(.invalidRecord, "producers may not write control batches")
        }
        guard header.baseSequence >= 0 else {
            return .reject(.invalidRecord, "producer \(producerID) sent a batch without a sequence number")
        }
        if !header.isTransactional, ongoing[producerID] != nil {
            return .reject(.invalidTxnState,
                           "producer \(producerID) wrote a non-transactional batch while its transaction is open")
        }
        guard let entry else { return .accept }
        let epoch = header.producerEpoch
        let first = header.baseSequence
        if epoch < entry.producerEpoch {
            return .reject(.invalidProducerEpoch,
                           "producer \(producerID) epoch \(epoch) is older than the current epoch \(entry.producerEpoch)")
        }
        let last = Self.lastSequence(of: header)
        if epoch == entry.producerEpoch,
           let duplicate = entry.batches.first(where: { $0.firstSequence == first && $0.lastSequence == last }) {
            return .duplicate(duplicate)
        }
        if epoch > entry.producerEpoch {
            if first != 0 {
                return .reject(.outOfOrderSequenceNumber,
                               "producer \(producerID) started epoch \(epoch) at sequence \(first), not 0")
            }
            return .accept
        }
        let current = entry.batches.last?.lastSequence ?? -1
        guard Self.isInSequence(last: current, next: first) else {
            return .reject(.outOfOrderSequenceNumber,
                           "producer \(producerID) epoch \(epoch): sequence \(first) does not follow \(current)")
        }
        return .accept
    }

    /// The entry `producerID` would have after `header` was appended at `firstOffset`.
    func entry(after header: RecordBatchHeader, at firstOffset: Int64, from current: ProducerEntry?) -> ProducerEntry {
        var entry = current ?? ProducerEntry(producerEpoch: header.producerEpoch)
        if header.producerEpoch != entry.producerEpoch {
            entry.producerEpoch = header.producerEpoch
            entry.batches = []
        }
        entry.batches.append(ProducerBatchMetadata(
            firstSequence: header.baseSequence, lastSequence: Self.lastSequence(of: header),
            firstOffset: firstOffset, lastOffset: firstOffset + Int64(header.lastOffsetDelta)))
        if entry.batches.count > Self.cachedBatchesMax { entry.batches.removeFirst(entry.batches.count - Self.cachedBatchesMax) }
        return entry
    }

    /// Records a data batch that is now in the log at `header.baseOffset` (also used when
    /// rebuilding from the log).
    mutating func applyData(_ header: RecordBatchHeader) {
        let producerID = header.producerID
        guard producerID >= 0, !header.isControl else { return }
        if header.baseSequence >= 0 {
            producers[producerID] = entry(after: header, at: header.baseOffset, from: producers[producerID])
        }
        if header.isTransactional, ongoing[producerID] == nil {
            ongoing[producerID] = header.baseOffset
        }
    }

    /// Records a transaction marker written at `offset`: the producer's open transaction in
    /// this partition (if any) ends, and an abort is added to the aborted index. A marker
    /// with a higher epoch (the coordinator fenced the producer) also moves the producer to
    /// that epoch, so that the fenced incarnation's late writes are refused here too.
    mutating func applyMarker(producerID: Int64, producerEpoch: Int16, type: ControlRecordType, offset: Int64) {
        var entry = producers[producerID] ?? ProducerEntry(producerEpoch: producerEpoch)
        if producerEpoch > entry.producerEpoch {
            entry.producerEpoch = producerEpoch
            entry.batches = []
        }
        producers[producerID] = entry
        guard let first = ongoing.removeValue(forKey: producerID) else { return }
        if type == .abort {
            aborted.append(AbortedTransactionEntry(producerID: producerID, firstOffset: first, lastOffset: offset))
        }
        completing.append(CompletedTransaction(firstOffset: first, markerOffset: offset))
    }

    /// The first offset a read_committed consumer may not read yet: the start of the oldest
    /// open transaction, or of an ended one whose marker is not durable yet; nil when none.
    /// Forgets ended transactions whose marker is below `highWatermark`.
    mutating func firstUnstableOffset(highWatermark: Int64) -> Int64? {
        if !completing.isEmpty { completing.removeAll { $0.markerOffset < highWatermark } }
        var result = ongoing.values.min()
        for c in completing { result = min(result ?? c.firstOffset, c.firstOffset) }
        return result
    }

    /// Aborted transactions that overlap `[from, upTo)`: the list a read_committed fetch
    /// returns with the data it read from `from`.
    func abortedTransactions(from: Int64, upTo: Int64) -> [AbortedTransactionEntry] {
        // `aborted` is ordered by lastOffset: skip those that ended before `from`.
        var low = 0
        var high = aborted.count
        while low < high {
            let mid = (low + high) / 2
            if aborted[mid].lastOffset < from { low = mid + 1 } else { high = mid }
        }
        return aborted[low...].filter { $0.firstOffset < upTo }
    }

    /// Drops what lies wholly below the log start (after retention deleted it).
    mutating func prune(below logStartOffset: Int64) {
        aborted.removeAll { $0.lastOffset < logStartOffset }
    }

    /// Open transactions (producer id → first offset), for tests and diagnostics.
    var ongoingTransactions: [Int64: Int64] { ongoing }
}
