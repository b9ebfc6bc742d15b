import Foundation
import Synchronization

/// Hands out producer ids that are never reused, even across restarts: ids are reserved in
/// blocks, and the end of the current block is persisted before any id of it is given out.
final class ProducerIDAllocator: Sendable {
    static let blockSize: Int64 = 1000
    private let path: String
    private let state: Mutex<(next: Int64, blockEnd: Int64)>

    init(dataDirectory: String) throws(BrokerError) {
        path = dataDirectory + "/producer-id-block"
        var start: Int64 = 0
        if let data = FileManager.default.contents(atPath: path) {
            guard let text = String(data: data, encoding: .utf8),
                  let value = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)), value >= 0 else {
                throw BrokerError(.storage, "\(path) does not hold a producer id")
            }
            start = value
        }
        state = Mutex((start, start))
    }

    func next() throws(BrokerError) -> Int64 {
        try state.withLock { (s: inout (next: Int64, blockEnd: Int64)) throws(BrokerError) -> Int64 in
            if s.next >= s.blockEnd {
                let end = s.next + Self.blockSize
                try persist(end)
                s.blockEnd = end
            }
            defer { s.next += 1 }
            return s.next
        }
    }

    private func persist(_ end: Int64) throws(BrokerError) {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data("\(end)\n".utf8)) else {
            throw BrokerError(.storage, "cannot write \(temporary)")
        }
        let fd = open(temporary, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        guard rename(temporary, path) == 0 else { throw BrokerError(.storage, "cannot rename \(temporary): errno \(errno)") }
    }
}
