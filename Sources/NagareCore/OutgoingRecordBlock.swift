/// Records to produce, in order, stored compactly: every key and value back to back in one byte
/// array, and per record a fixed-size entry of offsets into it.
///
/// Why: a batch writes tens of thousands of records. As `[OutgoingRecord]` each one costs an
/// allocation for its value and reference counting of its topic, key, value and headers every
/// time it is built, copied or destroyed; the producer then copies the bytes into librdkafka
/// anyway. A partition task appends its records here instead, and the producer hands librdkafka
/// pointers into `bytes`. Reading an element (`block[i]`) builds an `OutgoingRecord`, for tests
/// and the slow paths.
public struct OutgoingRecordBlock: Sendable {
    /// Where a key or value is in `bytes`; `count == -1` is a null key or value (not an empty one).
    public struct Span: Hashable, Sendable {
        public var start: Int
        public var count: Int

        public static let null = Span(start: 0, count: -1)
        public var isNull: Bool { count < 0 }
    }

    /// One record.
    public struct Entry: Hashable, Sendable {
        /// Index into `topics`.
        public var topic: Int32
        /// -1: the partitioner chooses.
        public var partition: Int32
        public var key: Span
        public var value: Span
        /// `Int64.min`: none (the producer stamps the time).
        public var timestampMilliseconds: Int64
        /// Index into `headerLists`; -1: no headers.
        public var headers: Int32
    }

    /// The topics the entries name, each once.
    public private(set) var topics: [String] = []
    public private(set) var bytes: [UInt8] = []
    public private(set) var entries: [Entry] = []
    /// The headers of the (few) records that have any.
    public private(set) var headerLists: [[RecordHeader]] = []
    /// The topic of the last append: records come in runs of one topic.
    private var lastTopic = -1

    public init() {}

    public init(_ records: some Sequence<OutgoingRecord>) {
        for record in records { append(record) }
    }

    public mutating func append(_ record: OutgoingRecord) {
        let key = record.key.map { appendBytes($0) } ?? .null
        let value = record.value.map { appendBytes($0) } ?? .null
        var headers: Int32 = -1
        if !record.headers.isEmpty {
            headers = Int32(headerLists.count)
            headerLists.append(record.headers)
        }
        entries.append(Entry(
            topic: topicIndex(record.topic), partition: record.partition ?? -1, key: key, value: value,
            timestampMilliseconds: record.timestampMilliseconds ?? .min, headers: headers))
    }

    /// Appends a record without headers whose value is in `value` (copied), for the per-event
    /// path: no array is made for it.
    public mutating func append(
        topic: String, partition: Int32? = nil, key: [UInt8]?, value: UnsafeBufferPointer<UInt8>,
        timestampMilliseconds: Int64?
    ) {
        let keySpan = key.map { appendBytes($0) } ?? .null
        let valueSpan = Span(start: bytes.count, count: value.count)
        bytes.append(contentsOf: value)
        entries.append(Entry(
            topic: topicIndex(topic), partition: partition ?? -1, key: keySpan, value: valueSpan,
            timestampMilliseconds: timestampMilliseconds ?? .min, headers: -1))
    }

    /// Forgets the records, keeping the memory.
    public mutating func removeAll() {
        topics.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        headerLists.removeAll()
        lastTopic = -1
    }

    private mutating func appendBytes(_ source: [UInt8]) -> Span {
        let span = Span(start: bytes.count, count: source.count)
        bytes.append(contentsOf: source)
        return span
    }

    private mutating func topicIndex(_ topic: String) -> Int32 {
        if lastTopic >= 0, topics[lastTopic] == topic { return Int32(lastTopic) }
        if let index = topics.firstIndex(of: topic) {
            lastTopic = index
        } else {
            lastTopic = topics.count
            topics.append(topic)
        }
        return Int32(lastTopic)
    }

    private func array(_ span: Span) -> [UInt8]? {
        span.isNull ? nil : Array(bytes[span.start..<span.start + span.count])
    }
}

extension OutgoingRecordBlock: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { entries.count }

    public subscript(position: Int) -> OutgoingRecord {
        let entry = entries[position]
        return OutgoingRecord(
            topic: topics[Int(entry.topic)], partition: entry.partition < 0 ? nil : entry.partition,
            key: array(entry.key), value: array(entry.value),
            headers: entry.headers < 0 ? [] : headerLists[Int(entry.headers)],
            timestampMilliseconds: entry.timestampMilliseconds == .min ? nil : entry.timestampMilliseconds)
    }
}

extension OutgoingRecordBlock: Equatable {
    /// Equal when they hold the same records in the same order, however they are laid out.
    public static func == (lhs: OutgoingRecordBlock, rhs: OutgoingRecordBlock) -> Bool {
        lhs.elementsEqual(rhs)
    }
}

extension OutgoingRecordBlock: ExpressibleByArrayLiteral {
    public init(arrayLiteral records: OutgoingRecord...) {
        self.init(records)
    }
}
