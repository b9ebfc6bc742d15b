import Foundation
import NagareCore
import NagareWire
import Synchronization
@testable import NagareLog

/// A wall clock the test moves by hand.
final class ManualClock: Sendable {
    private let milliseconds: Mutex<Int64>
    init(_ start: Int64 = 1_700_000_000_000) { milliseconds = Mutex(start) }
    var now: Int64 { milliseconds.withLock { $0 } }
    func advance(by delta: Int64) { milliseconds.withLock { $0 += delta } }
}

/// A fresh directory under /tmp, removed when the test is done with it.
final class TemporaryDirectory {
    let path: String
    init() {
        path = "/tmp/nagare-log-tests-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct LogFixture {
    let directory = TemporaryDirectory()
    let clock = ManualClock()
    var configuration = LogConfiguration()
    let topicPartition = TopicPartition("events.raw", 3)

    init(configure: (inout LogConfiguration) -> Void = { _ in }) {
        configure(&configuration)
    }

    func open() throws -> PartitionLog {
        let clock = self.clock
        return try PartitionLog(
            topicPartition: topicPartition, dataDirectory: directory.path, configuration: configuration,
            currentTimeMilliseconds: { clock.now })
    }

    var partitionDirectory: String { directory.path + "/events.raw-3" }

    func segmentPath(_ base: Int64, _ suffix: String = ".log") -> String {
        partitionDirectory + "/" + Segment.fileName(baseOffset: base, suffix: suffix)
    }
}

/// A producer-style batch of `count` records "key<i % keys>" → "<tag>-<i>".
func makeBatch(
    count: Int, tag: String = "v", keys: Int? = nil, timestamp: Int64 = 1_700_000_000_000,
    valueBytes: Int = 0, attributes: RecordBatchAttributes = .init(), producerID: Int64 = -1
) -> [UInt8] {
    RecordBatch(
        entries: (0..<count).map { i in
            let key = Array("key\(keys.map { i % $0 } ?? i)".utf8)
            let value = Array("\(tag)-\(i)".utf8) + [UInt8](repeating: 0x61, count: valueBytes)
            return (key, value, [], timestamp + Int64(i))
        },
        attributes: attributes, producerID: producerID, producerEpoch: producerID >= 0 ? 0 : -1
    ).encoded()
}

/// Every record of the log, read batch by batch from the log start.
func readAll(_ log: PartitionLog, maxBytes: Int = 1 << 20) throws -> [Record] {
    var records: [Record] = []
    var next = log.logStartOffset
    let end = log.logEndOffset
    while next < end {
        let bytes = try log.read(from: next, maxBytes: maxBytes)
        if bytes.isEmpty { break }
        for span in try RecordBatchSplitter.split(bytes) {
            let batch = try RecordBatch(decoding: bytes, in: span.range)
            records += batch.records(in: log.topicPartition).filter { $0.offset >= next }
            next = Offset(span.header.nextOffset)
        }
    }
    return records
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.intValue ?? -1
}

func appendRawBytes(_ bytes: [UInt8], to path: String) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(bytes))
    try handle.close()
}

func truncateFile(_ path: String, to size: Int) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: UInt64(size))
    try handle.close()
}

func flipByte(in path: String, at position: Int) throws {
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    data[position] ^= 0xFF
    try data.write(to: URL(fileURLWithPath: path))
}
