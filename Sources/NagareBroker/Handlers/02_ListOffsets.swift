import NagareCore
import NagareWire

// ListOffsets: v1–6. Behavior: timestamp -2 → log start offset; -1 → the high watermark (the
// last stable offset under read_committed, so a consumer starting at "latest" never lands
// inside an open transaction); any other timestamp → the first offset whose batch
// has a timestamp at or after it (via the time index), or -1 when none. Not supported: -3 (max
// timestamp, v7), leader epochs (always 0).
extension Broker {
    func handleListOffsets(_ request: ListOffsetsRequest, _ context: RequestContext) async -> ListOffsetsResponse {
        var topicsOut: [ListOffsetsResponse.Topic] = []
        for topic in request.topics {
            var partitionsOut: [ListOffsetsResponse.Partition] = []
            for p in topic.partitions {
                guard let state = topics.partition(TopicPartition(topic.name, p.partitionIndex)) else {
                    partitionsOut.append(.init(partitionIndex: p.partitionIndex, errorCode: .unknownTopicOrPartition))
                    continue
                }
                switch p.timestamp {
                case ListOffsetsRequest.earliestTimestamp:
                    partitionsOut.append(.init(partitionIndex: p.partitionIndex, timestamp: -1,
                                               offset: state.log.logStartOffset.rawValue, leaderEpoch: 0))
                case ListOffsetsRequest.latestTimestamp:
                    partitionsOut.append(.init(partitionIndex: p.partitionIndex, timestamp: -1,
                                               offset: lastStableOffset(of: state, request.isolationLevel).rawValue, leaderEpoch: 0))
                case let t where t >= 0:
                    do {
                        let found = try state.log.offset(forTimestamp: t)
                        let visible = found.map { $0 < state.highWatermark } ?? false
                        partitionsOut.append(.init(partitionIndex: p.partitionIndex, timestamp: visible ? t : -1,
                                                   offset: visible ? found!.rawValue : -1, leaderEpoch: 0))
                    } catch {
                        partitionsOut.append(.init(partitionIndex: p.partitionIndex, errorCode: .kafkaStorageError))
                    }
                default:
                    partitionsOut.append(.init(partitionIndex: p.partitionIndex, errorCode: .invalidRequest))
                }
            }
            topicsOut.append(.init(name: topic.name, partitions: partitionsOut))
        }
        return ListOffsetsResponse(topics: topicsOut)
    }

    /// The end of what a consumer with this isolation level may read.
    func lastStableOffset(of state: PartitionState, _ isolation: IsolationLevel) -> Offset {
        isolation == .readCommitted ? state.lastStableOffset : state.highWatermark
    }
}
