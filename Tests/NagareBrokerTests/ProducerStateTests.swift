import Foundation
@testable import NagareBroker
import NagareCore
import NagareLog
import NagareWire
import Testing

/// A producer's batch of `count` records, as a client would send it.
func producerBatch(producerID: Int64, epoch: Int16, sequence: Int32, count: Int = 1, transactional: Bool = false,
                   value: String = "v") -> RecordBatch {
    RecordBatch(entries: (0..<count).map { i in (key: nil, value: Array("\(value)-\(i)".utf8), headers: [], timestampMilliseconds: 1_700_000_000_000) },
                attributes: RecordBatchAttributes(isTransactional: transactional),
                producerID: producerID, producerEpoch: epoch, baseSequence: sequence)
}

/// The header of `batch` as if the log had placed it at `offset`.
func header(_ batch: RecordBatch, at offset: Int64) -> RecordBatchHeader {
    var h = batch.header
    h.baseOffset = offset
    return h
}

@Suite("Producer state: sequence rules")
struct ProducerStateSequenceTests {
    @Test("an unknown producer is accepted at any sequence; the next batch must follow")
    func unknownThenInSequence() {
        var table = ProducerStateTable()
        let first = producerBatch(producerID: 7, epoch: 0, sequence: 12, count: 3)
        #expect(table.check(first.header) == .accept)
        table.applyData(header(first, at: 0))
        #expect(table.check(producerBatch(producerID: 7, epoch: 0, sequence: 15).header) == .accept)
        guard case .reject(let code, _) = table.check(producerBatch(producerID: 7, epoch: 0, sequence: 16).header) else {
            Issue.record("a gap must be refused"); return
        }
        #expect(code == .outOfOrderSequenceNumber)
    }

    @Test("a retry of any of the last 5 batches is a duplicate with its original offsets; older ones are out of order")
    func duplicates() {
        var table = ProducerStateTable()
        var offset: Int64 = 100
        for i in 0..<7 {
            let b = producerBatch(producerID: 1, epoch: 3, sequence: Int32(i * 2), count: 2)
            #expect(table.check(b.header) == .accept)
            table.applyData(header(b, at: offset))
            offset += 2
        }
        // Batches 2…6 are cached; batch 6 started at offset 112.
        let retry = producerBatch(producerID: 1, epoch: 3, sequence: 12, count: 2)
        #expect(table.check(retry.header) == .duplicate(ProducerBatchMetadata(firstSequence: 12, lastSequence: 13, firstOffset: 112, lastOffset: 113)))
        let oldest = producerBatch(producerID: 1, epoch: 3, sequence: 4, count: 2)
        #expect(table.check(oldest.header) == .duplicate(ProducerBatchMetadata(firstSequence: 4, lastSequence: 5, firstOffset: 104, lastOffset: 105)))
        guard case .reject(let code, _) = table.check(producerBatch(producerID: 1, epoch: 3, sequence: 0, count: 2).header) else {
            Issue.record("a retry older than the cache must be refused"); return
        }
        #expect(code == .outOfOrderSequenceNumber)
    }

    @Test("a stale epoch is fenced; a new epoch must start at sequence 0 (KIP-360)")
    func epochs() {
        var table = ProducerStateTable()
        let b = producerBatch(producerID: 2, epoch: 5, sequence: 0, count: 4)
        table.applyData(header(b, at: 0))
        guard case .reject(let stale, _) = table.check(producerBatch(producerID: 2, epoch: 4, sequence: 4).header) else {
            Issue.record("stale epoch accepted"); return
        }
        #expect(stale == .invalidProducerEpoch)
        guard case .reject(let nonZero, _) = table.check(producerBatch(producerID: 2, epoch: 6, sequence: 4).header) else {
            Issue.record("new epoch at sequence 4 accepted"); return
        }
        #expect(nonZero == .outOfOrderSequenceNumber)
        let bumped = producerBatch(producerID: 2, epoch: 6, sequence: 0)
        #expect(table.check(bumped.header) == .accept)
        table.applyData(header(bumped, at: 4))
        #expect(table.producers[2]?.producerEpoch == 6)
        #expect(table.producers[2]?.batches.count == 1)
    }

    @Test("sequences wrap at Int32.max")
    func wrap() {
        var table = ProducerStateTable()
        let b = producerBatch(producerID: 3, epoch: 0, sequence: Int32.max - 1, count: 2)
        #expect(ProducerStateTable.lastSequence(of: b.header) == Int32.max)
        table.applyData(header(b, at: 0))
        #expect(table.check(producerBatch(producerID: 3, epoch: 0, sequence: 0).header) == .accept)
        let across = producerBatch(producerID: 4, epoch: 0, sequence: Int32.max, count: 3)
        #expect(ProducerStateTable.lastSequence(of: across.header) == 1)
    }

    @Test("control batches from clients and non-transactional writes inside a transaction are refused")
    func refusals() {
        var table = ProducerStateTable()
        let marker = RecordBatch.endTransactionMarker(EndTransactionMarker(type: .commit, coordinatorEpoch: 0),
                                                      producerID: 9, producerEpoch: 0, timestampMilliseconds: 0)
        guard case .reject(let control, _) = table.check(marker.header) else { Issue.record("control batch accepted"); return }
        #expect(control == .invalidRecord)
        table.applyData(header(producerBatch(producerID: 9, epoch: 0, sequence: 0, transactional: true), at: 0))
        guard case .reject(let state, _) = table.check(producerBatch(producerID: 9, epoch: 0, sequence: 1).header) else {
            Issue.record("non-transactional batch accepted inside a transaction"); return
        }
        #expect(state == .invalidTxnState)
    }
}

@Suite("Producer state: LSO and aborted transactions")
struct ProducerStateLSOTests {
    @Test("the LSO is the first offset of the oldest open transaction, and stays until the marker is durable")
    func lso() {
        var table = ProducerStateTable()
        table.applyData(header(producerBatch(producerID: 1, epoch: 0, sequence: 0), at: 0))  // idempotent only
        table.applyData(header(producerBatch(producerID: 2, epoch: 0, sequence: 0, count: 2, transactional: true), at: 1))
        table.applyData(header(producerBatch(producerID: 3, epoch: 0, sequence: 0, transactional: true), at: 3))
        table.applyData(header(producerBatch(producerID: 2, epoch: 0, sequence: 2, transactional: true), at: 4))
        #expect(table.firstUnstableOffset(highWatermark: 5) == 1)
        table.applyMarker(producerID: 2, producerEpoch: 0, type: .commit, offset: 5)
        // The marker at 5 is not below the high watermark yet: producer 2's transaction still counts.
        #expect(table.firstUnstableOffset(highWatermark: 5) == 1)
        #expect(table.firstUnstableOffset(highWatermark: 6) == 3)
        table.applyMarker(producerID: 3, producerEpoch: 0, type: .abort, offset: 6)
        #expect(table.firstUnstableOffset(highWatermark: 7) == nil)
        #expect(table.ongoingTransactions.isEmpty)
    }

    @Test("aborted transactions overlapping a fetch range are listed, others not")
    func abortedIndex() {
        var table = ProducerStateTable()
        // Producer 1 aborts [0, 2], producer 2 commits [3, 4], producer 1 aborts [5, 7].
        table.applyData(header(producerBatch(producerID: 1, epoch: 0, sequence: 0, count: 2, transactional: true), at: 0))
        table.applyMarker(producerID: 1, producerEpoch: 0, type: .abort, offset: 2)
        table.applyData(header(producerBatch(producerID: 2, epoch: 0, sequence: 0, transactional: true), at: 3))
        table.applyMarker(producerID: 2, producerEpoch: 0, type: .commit, offset: 4)
        table.applyData(header(producerBatch(producerID: 1, epoch: 0, sequence: 2, count: 2, transactional: true), at: 5))
        table.applyMarker(producerID: 1, producerEpoch: 0, type: .abort, offset: 7)
        #expect(table.abortedTransactions(from: 0, upTo: 8).map(\.firstOffset) == [0, 5])
        #expect(table.abortedTransactions(from: 3, upTo: 8).map(\.firstOffset) == [5])
        #expect(table.abortedTransactions(from: 0, upTo: 4).map(\.firstOffset) == [0])
        #expect(table.abortedTransactions(from: 3, upTo: 5).isEmpty)
        table.prune(below: 3)
        #expect(table.aborted.map(\.firstOffset) == [5])
    }

    @Test("an abort marker with a higher epoch fences the old epoch in the partition")
    func fencingMarker() {
        var table = ProducerStateTable()
        table.applyData(header(producerBatch(producerID: 5, epoch: 0, sequence: 0, transactional: true), at: 0))
        table.applyMarker(producerID: 5, producerEpoch: 1, type: .abort, offset: 1)
        guard case .reject(let code, _) = table.check(producerBatch(producerID: 5, epoch: 0, sequence: 1, transactional: true).header) else {
            Issue.record("the fenced epoch could still write"); return
        }
        #expect(code == .invalidProducerEpoch)
        #expect(table.check(producerBatch(producerID: 5, epoch: 1, sequence: 0, transactional: true).header) == .accept)
    }
}

@Suite("Producer state: recovery from the log")
struct ProducerStateRecoveryTests {
    let directory = "/tmp/nagare-producer-state-tests-\(UUID().uuidString)"
    let tp = TopicPartition("events", 0)

    func open() throws -> PartitionState {
        try PartitionState(log: PartitionLog(topicPartition: tp, dataDirectory: directory))
    }

    func append(_ state: PartitionState, _ batch: RecordBatch) throws -> ProducerAppendOutcome {
        try state.appendFromProducer(batch.encoded(), partitionLeaderEpoch: 0)
    }

    @Test("after a crash (no snapshot) and after a clean close (snapshot), retries are deduplicated and open transactions come back")
    func rebuild() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = try open()
        guard case .appended(let first) = try append(state, producerBatch(producerID: 10, epoch: 0, sequence: 0, count: 3)) else {
            Issue.record("append refused"); return
        }
        #expect(first.baseOffset == 0)
        _ = try append(state, producerBatch(producerID: 11, epoch: 0, sequence: 0, count: 2, transactional: true))
        _ = try state.appendMarker(producerID: 11, producerEpoch: 0, commit: false, timestampMilliseconds: 0)
        _ = try append(state, producerBatch(producerID: 12, epoch: 0, sequence: 0, transactional: true))
        try state.log.flush()
        // A crash: the log is not closed and no snapshot exists; reopening scans the log.
        let reopened = try open()
        let table = reopened.producers.withLock { $0 }
        #expect(table.ongoingTransactions == [12: 6])
        #expect(table.aborted == [AbortedTransactionEntry(producerID: 11, firstOffset: 3, lastOffset: 5)])
        guard case .duplicate(let offset, _) = try append(reopened, producerBatch(producerID: 10, epoch: 0, sequence: 0, count: 3)) else {
            Issue.record("a retry after the restart was appended again"); return
        }
        #expect(offset == 0)
        #expect(reopened.lastStableOffset == Offset(6))
        #expect(reopened.abortedTransactions(from: Offset(0), upTo: Offset(7)).map(\.producerID) == [11])

        // A clean close writes the snapshot; the next open starts from it and scans the rest.
        try reopened.log.flush()
        try reopened.writeProducerSnapshot()
        try reopened.log.close()
        #expect(FileManager.default.fileExists(atPath: state.log.directory + "/" + ProducerStateTable.snapshotFileName))
        let third = try open()
        #expect(third.producerStateReport.contains("snapshot at 7"))
        #expect(third.producers.withLock { $0 } == table)
        _ = try third.appendMarker(producerID: 12, producerEpoch: 0, commit: true, timestampMilliseconds: 0)
        #expect(third.producers.withLock { $0.ongoingTransactions.isEmpty })
    }

    @Test("a snapshot past the log end (the log lost its tail) is ignored")
    func staleSnapshot() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = try open()
        _ = try append(state, producerBatch(producerID: 20, epoch: 0, sequence: 0, transactional: true))
        try state.log.flush()
        var fake = ProducerStateTable()
        fake.applyData(header(producerBatch(producerID: 99, epoch: 0, sequence: 0), at: 50))
        try ProducerStateTable.Snapshot(endOffset: 51, table: fake).write(
            to: state.log.directory + "/" + ProducerStateTable.snapshotFileName)
        let reopened = try open()
        #expect(reopened.producerStateReport.contains("ignored"))
        let table = reopened.producers.withLock { $0 }
        #expect(table.producers[99] == nil)
        #expect(table.ongoingTransactions == [20: 0])
    }
}
