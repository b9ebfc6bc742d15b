import Foundation
import NagareCore
import NagareEngine
import Synchronization

/// A file system in memory, so tests change a table and its version without sleeping past
/// the real file system's timestamp resolution.
final class TestFileSystem: TableFileSystem {
    private let files = Mutex<[String: (version: Int64, bytes: [UInt8])]>([:])

    init(_ files: [String: String] = [:]) {
        for (path, text) in files { write(path, text) }
    }

    func write(_ path: String, _ text: String) {
        files.withLock { files in
            let version = (files[path]?.version ?? 0) + 1
            files[path] = (version, Array(text.utf8))
        }
    }

    func version(of path: String) throws -> FileVersion {
        guard let file = files.withLock({ $0[path] }) else { throw EngineError(.invalidTable, "\(path): no such file") }
        return FileVersion(modificationNanoseconds: file.version, size: Int64(file.bytes.count))
    }

    func contents(of path: String) throws -> [UInt8] {
        guard let file = files.withLock({ $0[path] }) else { throw EngineError(.invalidTable, "\(path): no such file") }
        return file.bytes
    }
}

enum Fixtures {
    /// `examples/access-logs`, found from this file (Tests/NagareEngineTests/…).
    static var exampleDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/access-logs").path
    }

    static func record(_ value: String?, offset: Int64, partition: Int32 = 0, topic: String = "events.raw",
                       key: String? = nil, timestamp: Int64 = 0) -> Record {
        Record(topicPartition: TopicPartition(topic, partition), offset: Offset(offset), timestampMilliseconds: timestamp,
               key: key.map { Array($0.utf8) }, value: value.map { Array($0.utf8) })
    }

    /// Milliseconds of `2026-11-21T23:00:00Z` plus `seconds`.
    static func time(_ seconds: Double) -> Int64 {
        1_795_302_000_000 + Int64(seconds * 1000)
    }

    static func iso(_ seconds: Double) -> String {
        EventTimestamp.format(milliseconds: time(seconds))
    }

    static func event(_ text: String) -> Event {
        (try? JSONScanner.parseEvent(text)) ?? Event()
    }

    static func string(_ bytes: [UInt8]?) -> String {
        bytes.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    static func header(_ record: Record, _ key: String) -> String? {
        record.headers.first { $0.key == key }.map { string($0.value) }
    }
}
