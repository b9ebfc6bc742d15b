import CRdKafka
import NagareCore

/// Conversions between Swift partition lists and `rd_kafka_topic_partition_list_t`.
enum TopicPartitionList {
    static func partitions(in list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        let l = list.pointee
        return (0..<Int(l.cnt)).map { i in
            let e = l.elems[i]
            return TopicPartition(String(cString: e.topic), e.partition)
        }
    }

    /// Each element with its offset (nil when librdkafka has none, i.e. a negative logical offset).
    static func offsets(in list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>)
        -> [(TopicPartition, Offset?, rd_kafka_resp_err_t)]
    {
        let l = list.pointee
        return (0..<Int(l.cnt)).map { i in
            let e = l.elems[i]
            return (TopicPartition(String(cString: e.topic), e.partition),
                    e.offset >= 0 ? Offset(e.offset) : nil, e.err)
        }
    }

    /// A new list the caller destroys with `rd_kafka_topic_partition_list_destroy`.
    static func make(_ entries: [(TopicPartition, Int64)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(max(entries.count, 1)))!
        for (tp, offset) in entries {
            let e = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)!
            e.pointee.offset = offset
        }
        return list
    }

    static func make(_ partitions: [TopicPartition]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        make(partitions.map { ($0, LogicalOffset.invalid) })
    }

    static func make(_ offsets: [PartitionOffset]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        make(offsets.map { ($0.topicPartition, $0.offset.rawValue) })
    }
}
