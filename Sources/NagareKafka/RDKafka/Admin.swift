import CRdKafka
public import Logging
public import NagareCore

/// A topic as described by the cluster.
public struct TopicDescription: Hashable, Sendable {
    public var name: String
    public var partitions: [Int32]
}

/// A topic to create.
public struct NewTopic: Hashable, Sendable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int32
    /// Topic configs, e.g. `cleanup.policy=compact`.
    public var configs: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int32 = 1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// Cluster administration: topics, offsets, group offsets.
public final class Admin: Sendable {
    let client: RDKafkaClient

    public init(configuration: ClientConfiguration, logger: Logger = Logger(label: "nagare.kafka.admin")) throws {
        try configuration.validate()
        var p = configuration.baseProperties
        p.merge(configuration.properties) { _, new in new }
        client = try RDKafkaClient(kind: .producer, properties: p, context: ClientContext(logger: logger))
        client.startPollThread(name: "nagare-admin-poll")
    }

    public func close() { client.destroy() }

    /// Creates topics. With `ifNotExists`, a topic that already exists is not an error.
    public func createTopics(_ topics: [NewTopic], ifNotExists: Bool = true, timeout: Duration = .seconds(30)) async throws {
        guard !topics.isEmpty else { return }
        let handle = UncheckedSendable(client.handle)
        let ms = milliseconds(timeout)
        try await offCooperativePool {
            var errstr = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
            for t in topics {
                guard let nt = rd_kafka_NewTopic_new(t.name, t.partitions, t.replicationFactor, &errstr, errstr.count) else {
                    throw KafkaClientError.client("topic '\(t.name)': \(string(fromCBuffer: errstr))")
                }
                newTopics.append(nt)
                for (k, v) in t.configs.sorted(by: { $0.key < $1.key }) {
                    let err = rd_kafka_NewTopic_set_config(nt, k, v)
                    if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(err, "topic '\(t.name)' config \(k)") }
                }
            }
            let queue = rd_kafka_queue_new(handle.value)
            defer { rd_kafka_queue_destroy(queue) }
            let options = rd_kafka_AdminOptions_new(handle.value, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, ms, &errstr, errstr.count)
            newTopics.withUnsafeMutableBufferPointer {
                rd_kafka_CreateTopics(handle.value, $0.baseAddress, $0.count, options, queue)
            }
            guard let event = rd_kafka_queue_poll(queue, ms + 5000) else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__TIMED_OUT, "createTopics")
            }
            defer { rd_kafka_event_destroy(event) }
            let err = rd_kafka_event_error(event)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaClientError(err, "createTopics: \(String(cString: rd_kafka_event_error_string(event)))")
            }
            let result = rd_kafka_event_CreateTopics_result(event)
            var count = 0
            guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
            for i in 0..<count {
                let r = results[i]
                let e = rd_kafka_topic_result_error(r)
                if e == RD_KAFKA_RESP_ERR_NO_ERROR || (ifNotExists && e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) { continue }
                let name = String(cString: rd_kafka_topic_result_name(r))
                let text = rd_kafka_topic_result_error_string(r).map { String(cString: $0) } ?? ""
                throw KafkaClientError(e, "create topic '\(name)': \(text)")
            }
        }
    }

    /// Topics (all, or the named ones) with their partitions. Internal topics are left out.
    public func listTopics(_ names: [String]? = nil, timeout: Duration = .seconds(10)) async throws -> [TopicDescription] {
        let handle = UncheckedSendable(client.handle)
        let ms = milliseconds(timeout)
        return try await offCooperativePool {
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(handle.value, 1, nil, &metadata, ms)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(err, "metadata") }
            guard let metadata else { return [] }
            defer { rd_kafka_metadata_destroy(metadata) }
            var out: [TopicDescription] = []
            let md = metadata.pointee
            for i in 0..<Int(md.topic_cnt) {
                let t = md.topics[i]
                let name = String(cString: t.topic)
                if name.hasPrefix("__") { continue }
                if let names, !names.contains(name) { continue }
                if t.err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(t.err, "topic '\(name)'") }
                let parts = (0..<Int(t.partition_cnt)).map { t.partitions[$0].id }.sorted()
                out.append(TopicDescription(name: name, partitions: parts))
            }
            return out.sorted { $0.name < $1.name }
        }
    }

    /// The earliest and the next-to-be-written offsets of a partition.
    public func watermarks(_ tp: TopicPartition, timeout: Duration = .seconds(10)) async throws -> (low: Offset, high: Offset) {
        let handle = UncheckedSendable(client.handle)
        let ms = milliseconds(timeout)
        return try await offCooperativePool {
            var low: Int64 = 0
            var high: Int64 = 0
            let err = rd_kafka_query_watermark_offsets(handle.value, tp.topic, tp.partition, &low, &high, ms)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(err, "watermarks of \(tp)") }
            return (Offset(low), Offset(high))
        }
    }

    /// For each partition, the first offset whose timestamp is at or after the given time
    /// (milliseconds since the epoch); nil when no such record exists yet.
    public func offsets(forTimestamps query: [TopicPartition: Int64], timeout: Duration = .seconds(10)) async throws -> [TopicPartition: Offset?] {
        let handle = UncheckedSendable(client.handle)
        let ms = milliseconds(timeout)
        return try await offCooperativePool {
            let list = TopicPartitionList.make(query.map { ($0.key, $0.value) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_offsets_for_times(handle.value, list, ms)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(err, "offsets for times") }
            var result: [TopicPartition: Offset?] = [:]
            for (tp, offset, e) in TopicPartitionList.offsets(in: list) {
                if e != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaClientError(e, "offset for time of \(tp)") }
                result[tp] = offset
            }
            return result
        }
    }

    /// A consumer group's committed offsets: for the given partitions, or for every partition it
    /// has committed when `partitions` is nil.
    public func groupOffsets(_ groupID: String, partitions: [TopicPartition]? = nil,
                             timeout: Duration = .seconds(10)) async throws -> [TopicPartition: Offset] {
        let handle = UncheckedSendable(client.handle)
        let ms = milliseconds(timeout)
        return try await offCooperativePool {
            let list = partitions.map { TopicPartitionList.make($0) }
            defer { list.map { rd_kafka_topic_partition_list_destroy($0) } }
            var request: OpaquePointer? = rd_kafka_ListConsumerGroupOffsets_new(groupID, list)
            defer { rd_kafka_ListConsumerGroupOffsets_destroy(request) }
            let queue = rd_kafka_queue_new(handle.value)
            defer { rd_kafka_queue_destroy(queue) }
            let options = rd_kafka_AdminOptions_new(handle.value, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            var errstr = [CChar](repeating: 0, count: 512)
            _ = rd_kafka_AdminOptions_set_request_timeout(options, ms, &errstr, errstr.count)
            rd_kafka_ListConsumerGroupOffsets(handle.value, &request, 1, options, queue)
            guard let event = rd_kafka_queue_poll(queue, ms + 5000) else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__TIMED_OUT, "group offsets of '\(groupID)'")
            }
            defer { rd_kafka_event_destroy(event) }
            let err = rd_kafka_event_error(event)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaClientError(err, "group offsets of '\(groupID)': \(String(cString: rd_kafka_event_error_string(event)))")
            }
            let result = rd_kafka_event_ListConsumerGroupOffsets_result(event)
            var count = 0
            guard let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &count), count > 0 else { return [:] }
            let group = groups[0]
            if let gerr = rd_kafka_group_result_error(group) {
                throw KafkaClientError(rd_kafka_error_code(gerr), "group '\(groupID)': \(String(cString: rd_kafka_error_string(gerr)))")
            }
            var out: [TopicPartition: Offset] = [:]
            if let list = rd_kafka_group_result_partitions(group) {
                for (tp, offset, e) in TopicPartitionList.offsets(in: UnsafeMutablePointer(mutating: list)) {
                    if e == RD_KAFKA_RESP_ERR_NO_ERROR, let offset { out[tp] = offset }
                }
            }
            return out
        }
    }
}

/// A consumer group as its coordinator describes it.
public struct GroupDescription: Hashable, Sendable {
    public var groupID: String
    /// `Empty`, `Stable`, `PreparingRebalance`, `CompletingRebalance`, `Dead` or `Unknown`.
    public var state: String
    /// Members currently in the group (processes that joined and have not left or timed out).
    public var memberCount: Int
}

extension Admin {
    /// The group's state and member count (DescribeGroups). A group nobody ever joined is
    /// reported by brokers as `Dead` or `Empty` with no members.
    public func describeGroup(_ groupID: String, timeout: Duration = .seconds(10)) async throws -> GroupDescription {
        let handle = UncheckedSendable(client.handle)
        let ms = milliseconds(timeout)
        return try await offCooperativePool {
            let queue = rd_kafka_queue_new(handle.value)
            defer { rd_kafka_queue_destroy(queue) }
            let options = rd_kafka_AdminOptions_new(handle.value, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            var errstr = [CChar](repeating: 0, count: 512)
            _ = rd_kafka_AdminOptions_set_request_timeout(options, ms, &errstr, errstr.count)
            groupID.withCString { id in
                var groups: [UnsafePointer<CChar>?] = [id]
                groups.withUnsafeMutableBufferPointer {
                    rd_kafka_DescribeConsumerGroups(handle.value, $0.baseAddress, 1, options, queue)
                }
            }
            guard let event = rd_kafka_queue_poll(queue, ms + 5000) else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__TIMED_OUT, "describe group '\(groupID)'")
            }
            defer { rd_kafka_event_destroy(event) }
            let err = rd_kafka_event_error(event)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaClientError(err, "describe group '\(groupID)': \(String(cString: rd_kafka_event_error_string(event)))")
            }
            var count = 0
            guard let result = rd_kafka_event_DescribeConsumerGroups_result(event),
                  let groups = rd_kafka_DescribeConsumerGroups_result_groups(result, &count), count > 0,
                  let group = groups[0] else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__BAD_MSG, "describe group '\(groupID)': no result")
            }
            if let gerr = rd_kafka_ConsumerGroupDescription_error(group) {
                throw KafkaClientError(rd_kafka_error_code(gerr), "describe group '\(groupID)': \(String(cString: rd_kafka_error_string(gerr)))")
            }
            return GroupDescription(
                groupID: groupID,
                state: String(cString: rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(group))),
                memberCount: rd_kafka_ConsumerGroupDescription_member_count(group))
        }
    }
}
