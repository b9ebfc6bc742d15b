import Foundation

/// Persists which topics exist, their partition counts and their configs: one small file per
/// topic under `<data>/topics/`, written atomically (temporary file, fsync, rename).
struct TopicStore: Sendable {
    let directory: String

    struct Entry: Codable, Hashable, Sendable {
        var name: String
        var partitions: Int32
        var configs: [String: String]
    }

    init(dataDirectory: String) throws(BrokerError) {
        directory = dataDirectory + "/topics"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw BrokerError(.storage, "cannot create \(directory): \(error)")
        }
    }

    func loadAll() throws(BrokerError) -> [Entry] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw BrokerError(.storage, "cannot list \(directory): \(error)")
        }
        var entries: [Entry] = []
        for file in names.sorted() where file.hasSuffix(".json") {
            let path = directory + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else {
                throw BrokerError(.storage, "cannot read \(path)")
            }
            do { entries.append(try JSONDecoder().decode(Entry.self, from: data)) } catch {
                throw BrokerError(.storage, "\(path) is not a valid topic file: \(error)")
            }
        }
        return entries
    }

    func save(_ entry: Entry) throws(BrokerError) {
        let path = directory + "/" + entry.name + ".json"
        let temporary = path + ".tmp"
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let data = try encoder.encode(entry)
            guard FileManager.default.createFile(atPath: temporary, contents: data) else {
                throw BrokerError(.storage, "cannot write \(temporary)")
            }
            let fd = open(temporary, O_RDONLY)
            if fd >= 0 { fsync(fd); close(fd) }
            if rename(temporary, path) != 0 { throw BrokerError(.storage, "cannot rename \(temporary) to \(path): errno \(errno)") }
            let dirfd = open(directory, O_RDONLY)
            if dirfd >= 0 { fsync(dirfd); close(dirfd) }
        } catch let error as BrokerError {
            throw error
        } catch {
            throw BrokerError(.storage, "cannot write \(path): \(error)")
        }
    }

    func remove(_ name: String) {
        unlink(directory + "/" + name + ".json")
    }
}
