/// A position in a partition's log: the offset of the next record to read, or of a record.
public struct Offset: Hashable, Sendable, Comparable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    public var rawValue: Int64

    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public init(integerLiteral value: Int64) { self.rawValue = value }

    public var description: String { String(rawValue) }

    public static func < (lhs: Offset, rhs: Offset) -> Bool { lhs.rawValue < rhs.rawValue }

    public func advanced(by n: Int64) -> Offset { Offset(rawValue + n) }
}

/// Where to start reading a partition that has no committed offset.
public enum StartPosition: String, Sendable, CaseIterable {
    case earliest
    case latest
}

/// A committed or requested offset for one partition.
public struct PartitionOffset: Hashable, Sendable, CustomStringConvertible {
    public var topicPartition: TopicPartition
    public var offset: Offset

    public init(_ topicPartition: TopicPartition, _ offset: Offset) {
        self.topicPartition = topicPartition
        self.offset = offset
    }

    public var description: String { "\(topicPartition)@\(offset)" }
}
