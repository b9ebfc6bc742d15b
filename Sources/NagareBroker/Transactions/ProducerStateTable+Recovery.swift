import Foundation
import NagareCore
import NagareLog
import NagareWire

/// Rebuilding a partition's producer state when it opens.
///
/// The state is derived from the log alone (batch headers and transaction markers), so the
/// log is the truth and a snapshot is only a shortcut: `<partition>/producer-state.snapshot`
/// holds the table as it was after the first `endOffset` offsets of the log, as JSON (version
/// 1: `{"version":1,"endOffset":N,"table":{…}}`). It is written on clean shutdown and by the
/// broker's periodic maintenance. On open the snapshot is used when its `endOffset` is within
/// the log (a crash may have cut the log below it: then it is ignored), and the log is scanned
/// from there to the end — headers only, plus the one record of each control batch. Without a
/// usable snapshot the whole log is scanned.
///
/// The aborted-transaction index is part of the same table, so it is rebuilt the same way
/// (there is no separate `.txnindex` file). Transactional batches without a marker after them
/// come back as open transactions, holding the LSO until the transaction coordinator ends them.
extension ProducerStateTable {
    static let snapshotFileName = "producer-state.snapshot"
    /// Bytes read per step while scanning.
    static let scanReadBytes = 1024 * 1024

    struct Snapshot: Codable, Sendable {
        var version = 1
        var endOffset: Int64
        var table: ProducerStateTable

        init(endOffset: Int64, table: ProducerStateTable) {
            self.endOffset = endOffset
            self.table = table
        }

        /// Writes atomically (temporary file, fsync, rename): a crash leaves the old snapshot
        /// or the new one. The `.tmp` name is one the log's recovery removes if left behind.
        func write(to path: String) throws(LogError) {
            let data: Data
            do { data = try JSONEncoder().encode(self) } catch {
                throw LogError(.io, "cannot encode the producer state snapshot: \(error)")
            }
            let temporary = path + ".tmp"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw LogError(.io, "cannot create \(temporary): errno \(errno)") }
            let written = data.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            let synced = fsync(fd)
            close(fd)
            guard written == data.count, synced == 0, rename(temporary, path) == 0 else {
                unlink(temporary)
                throw LogError(.io, "cannot write \(path): errno \(errno)")
            }
        }
    }

    /// The producer state of `log`, from its snapshot and the log after it; the string says
    /// what was done, for the startup log.
    static func load(from log: PartitionLog) throws(LogError) -> (ProducerStateTable, String) {
        let path = log.directory + "/" + snapshotFileName
        let start = log.logStartOffset.rawValue
        let end = log.logEndOffset.rawValue
        var table = ProducerStateTable()
        var from = start
        var note = "no snapshot"
        if let data = FileManager.default.contents(atPath: path) {
            if let snapshot = try? JSONDecoder().decode(Snapshot.self, from: data), snapshot.version == 1,
               snapshot.endOffset <= end {
                table = snapshot.table
                table.completing = []
                from = max(snapshot.endOffset, start)
                note = "snapshot at \(snapshot.endOffset)"
            } else {
                note = "snapshot ignored (unreadable or past the log end \(end))"
            }
        }
        let batches = try table.replay(log, from: from, to: end)
        table.prune(below: start)
        return (table, "\(log.name): producer state from \(note), \(batches) batches scanned, \(table.ongoing.count) open transactions")
    }

    /// Applies every batch of `log` in `[from, to)`; returns how many were read.
    mutating func replay(_ log: PartitionLog, from: Int64, to end: Int64) throws(LogError) -> Int {
        var position = from
        var count = 0
        while position < end {
            let bytes = try log.read(from: Offset(position), maxBytes: Self.scanReadBytes)
            guard !bytes.isEmpty else { break }
            let spans: [RecordBatchSpan]
            do { spans = try RecordBatchSplitter.split(bytes, verifyingCRC: false) } catch {
                throw LogError(.corrupt, "\(log.name): unreadable batch at offset \(position)", underlying: error)
            }
            guard let last = spans.last, last.header.nextOffset > position else { break }
            for span in spans where span.header.baseOffset >= position {
                count += 1
                let h = span.header
                if h.isControl {
                    guard h.isTransactional, h.producerID >= 0,
                          let batch = try? RecordBatch(decoding: bytes, in: span.range, verifyingCRC: false),
                          let marker = try? EndTransactionMarker(batch: batch) else { continue }
                    applyMarker(producerID: h.producerID, producerEpoch: h.producerEpoch, type: marker.type, offset: h.baseOffset)
                } else {
                    applyData(h)
                }
            }
            position = last.header.nextOffset
        }
        // Everything scanned is on disk: no marker is waiting for durability.
        completing = []
        return count
    }
}
