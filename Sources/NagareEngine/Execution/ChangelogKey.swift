public import NagareCore

/// Keys of the changelog topic `nagare.<pipeline>.changelog`:
///
///     <topic>:<partition>:<operator index>:<operator-local key>   operator state
///     <topic>:<partition>:offset                                   next input offset
///
/// Topic names cannot contain `:` (Kafka allows only letters, digits, `.`, `_`, `-`), so the
/// prefix splits unambiguously and the operator-local key may contain anything. The changelog
/// is compacted, so the latest record per key is the state; a record is written to the
/// changelog partition with the input partition's number, so restoring a task reads one
/// partition (which needs the changelog to have at least as many partitions as the input).
public enum ChangelogKey {
    public static func prefix(_ topicPartition: TopicPartition) -> String {
        "\(topicPartition.topic):\(topicPartition.partition):"
    }

    static func operatorKey(_ topicPartition: TopicPartition, operatorIndex: Int, localKey: String) -> [UInt8] {
        Array("\(prefix(topicPartition))\(operatorIndex):\(localKey)".utf8)
    }

    static func offsetKey(_ topicPartition: TopicPartition) -> [UInt8] {
        Array("\(prefix(topicPartition))offset".utf8)
    }

    /// What a changelog key addresses, for a given task; nil when it belongs to another task.
    enum Parsed: Equatable {
        case offset
        case state(operatorIndex: Int, localKey: String)
    }

    static func parse(_ key: [UInt8], for topicPartition: TopicPartition) -> Parsed? {
        let text = String(decoding: key, as: UTF8.self)
        let prefix = prefix(topicPartition)
        guard text.hasPrefix(prefix) else { return nil }
        let rest = text.dropFirst(prefix.count)
        if rest == "offset" { return .offset }
        guard let colon = rest.firstIndex(of: ":"), let index = Int(rest[..<colon]) else { return nil }
        return .state(operatorIndex: index, localKey: String(rest[rest.index(after: colon)...]))
    }
}
