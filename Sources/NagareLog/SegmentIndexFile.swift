/// An entry of a segment's sparse offset index (`.index`): where in the `.log` file the batch
/// with this base offset starts. Offsets are relative to the segment's base offset so that an
/// entry fits in eight bytes.
struct OffsetIndexEntry: SegmentIndexEntry {
    var relativeOffset: Int32
    var position: Int32

    static let encodedBytes = 8

    init(relativeOffset: Int32, position: Int32) {
        self.relativeOffset = relativeOffset
        self.position = position
    }

    init(decoding bytes: [UInt8], at i: Int) {
        relativeOffset = Int32(bitPattern: readUInt32(bytes, i))
        position = Int32(bitPattern: readUInt32(bytes, i + 4))
    }

    func encode(into bytes: inout [UInt8]) {
        appendUInt32(UInt32(bitPattern: relativeOffset), to: &bytes)
        appendUInt32(UInt32(bitPattern: position), to: &bytes)
    }

    /// Both fields strictly increase along the index.
    func follows(_ previous: OffsetIndexEntry) -> Bool {
        relativeOffset > previous.relativeOffset && position > previous.position
    }
}

/// An entry of a segment's time index (`.timeindex`): `timestamp` is the largest record
/// timestamp of all batches up to and including the batch at `relativeOffset`. So no record
/// at or before that batch is newer than `timestamp`, which is what a search for "the first
/// offset whose timestamp is at least t" needs to skip ahead.
struct TimeIndexEntry: SegmentIndexEntry {
    var timestamp: Int64
    var relativeOffset: Int32

    static let encodedBytes = 12

    init(timestamp: Int64, relativeOffset: Int32) {
        self.timestamp = timestamp
        self.relativeOffset = relativeOffset
    }

    init(decoding bytes: [UInt8], at i: Int) {
        timestamp = Int64(bitPattern: UInt64(readUInt32(bytes, i)) << 32 | UInt64(readUInt32(bytes, i + 4)))
        relativeOffset = Int32(bitPattern: readUInt32(bytes, i + 8))
    }

    func encode(into bytes: inout [UInt8]) {
        let t = UInt64(bitPattern: timestamp)
        appendUInt32(UInt32(truncatingIfNeeded: t >> 32), to: &bytes)
        appendUInt32(UInt32(truncatingIfNeeded: t), to: &bytes)
        appendUInt32(UInt32(bitPattern: relativeOffset), to: &bytes)
    }

    func follows(_ previous: TimeIndexEntry) -> Bool {
        timestamp > previous.timestamp && relativeOffset >= previous.relativeOffset
    }
}

protocol SegmentIndexEntry: Hashable {
    static var encodedBytes: Int { get }
    init(decoding bytes: [UInt8], at index: Int)
    func encode(into bytes: inout [UInt8])
    func follows(_ previous: Self) -> Bool
}

/// A segment index: an append-only file of fixed-size big-endian entries, mirrored in memory.
///
/// Indexes are sparse (one entry per `indexIntervalBytes` of log), so even a full 64 MiB
/// segment has about 16,000 entries; keeping them in an array makes lookups a binary search
/// without memory-mapping. The file is only a cache of the log: whenever it looks wrong it is
/// rebuilt by scanning the log, so it is not fsynced on every flush.
final class SegmentIndexFile<Entry: SegmentIndexEntry> {
    let file: FileIO
    private(set) var entries: [Entry] = []

    init(file: FileIO) {
        self.file = file
    }

    /// Reads the entries from the file. Returns false, leaving no entries, when the file is not
    /// a well-formed index (partial entry, entries out of order, or `isPlausible` rejects one);
    /// the caller then rebuilds it.
    func load(isPlausible: (Entry) -> Bool) throws(LogError) -> Bool {
        let size = try file.size()
        entries = []
        guard size % Entry.encodedBytes == 0 else { return false }
        let bytes = try file.read(at: 0, count: size)
        guard bytes.count == size else { return false }
        var loaded: [Entry] = []
        loaded.reserveCapacity(size / Entry.encodedBytes)
        var i = 0
        while i < size {
            let entry = Entry(decoding: bytes, at: i)
            if let last = loaded.last, !entry.follows(last) { return false }
            guard isPlausible(entry) else { return false }
            loaded.append(entry)
            i += Entry.encodedBytes
        }
        entries = loaded
        return true
    }

    func append(_ newEntries: [Entry]) throws(LogError) {
        guard !newEntries.isEmpty else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(newEntries.count * Entry.encodedBytes)
        for entry in newEntries { entry.encode(into: &bytes) }
        try file.write(bytes, at: entries.count * Entry.encodedBytes)
        entries.append(contentsOf: newEntries)
    }

    /// Replaces the whole index (after a rebuild).
    func replace(with newEntries: [Entry]) throws(LogError) {
        try file.truncate(to: 0)
        entries = []
        try append(newEntries)
    }

    /// The last entry for which `isAtOrBefore` holds, given that it holds for a prefix of the
    /// entries (binary search).
    func last(where isAtOrBefore: (Entry) -> Bool) -> Entry? {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if isAtOrBefore(entries[mid]) { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : entries[low - 1]
    }
}

@inline(__always)
private func readUInt32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
}

@inline(__always)
private func appendUInt32(_ v: UInt32, to bytes: inout [UInt8]) {
    bytes.append(UInt8(truncatingIfNeeded: v >> 24))
    bytes.append(UInt8(truncatingIfNeeded: v >> 16))
    bytes.append(UInt8(truncatingIfNeeded: v >> 8))
    bytes.append(UInt8(truncatingIfNeeded: v))
}
