import NagareCore
public import NagareWire

/// OffsetCommit and OffsetFetch.
extension GroupCoordinator {
    // MARK: OffsetCommit

    /// OffsetCommit v0–8. Accepted offsets are written and fsynced before the response.
    ///
    /// A commit with generation -1 and no member id is a "simple" commit (admin tools,
    /// consumers using `assign`), allowed only while the group has no members; otherwise the
    /// committer must be a member of the current generation. Commits are allowed during
    /// PreparingRebalance, so members can commit before giving up their partitions, and refused
    /// with REBALANCE_IN_PROGRESS during CompletingRebalance, when the new assignment is not
    /// known yet. The retention time (v2–4) is ignored: offsets stay until the group is deleted.
    public func offsetCommit(_ request: OffsetCommitRequest, context: RequestContext) async -> OffsetCommitResponse {
        let version = context.apiVersion
        func all(_ code: KafkaErrorCode) -> OffsetCommitResponse {
            OffsetCommitResponse(topics: request.topics.map { t in
                OffsetCommitResponse.Topic(name: t.name, partitions: t.partitions.map { .init(partitionIndex: $0.partitionIndex, errorCode: code) })
            })
        }
        guard !isClosed else { return all(.coordinatorNotAvailable) }
        guard Self.isValidGroupID(request.groupID) else { return all(.invalidGroupID) }
        let generationID = version >= 1 ? request.generationID : -1
        let memberID = version >= 1 ? request.memberID : ""
        let instanceID = version >= 7 ? request.groupInstanceID : nil

        let group: ConsumerGroup
        if let existing = groups[request.groupID] {
            group = existing
        } else {
            // An unknown group with a generation is a member of a group this coordinator no
            // longer knows (or an old generation): refuse. Without one it is a simple commit.
            guard generationID < 0 else { return all(.illegalGeneration) }
            guard groups.count < configuration.groupsMax else { return all(.coordinatorNotAvailable) }
            group = ConsumerGroup(groupID: request.groupID)
            groups[request.groupID] = group
        }
        let check = validateCommit(group, generationID: generationID, memberID: memberID, instanceID: instanceID)
        guard check == .none else { return all(check) }
        if !memberID.isEmpty { touch(group, memberID) }

        let timestamp = wallClockMilliseconds()
        var errors: [TopicPartition: KafkaErrorCode] = [:]
        var accepted: [(TopicPartition, CommittedOffset)] = []
        var newPartitions = 0
        for topic in request.topics {
            for p in topic.partitions {
                let tp = TopicPartition(topic.name, p.partitionIndex)
                let metadata = p.committedMetadata ?? ""
                if metadata.utf8.count > configuration.offsetMetadataBytesMax {
                    errors[tp] = .offsetMetadataTooLarge
                } else if !Self.isStorable(tp) {
                    errors[tp] = .unknownTopicOrPartition
                } else if group.offsets[tp] == nil && group.offsets.count + newPartitions >= configuration.committedPartitionsPerGroupMax {
                    errors[tp] = .invalidCommitOffsetSize
                } else {
                    if group.offsets[tp] == nil { newPartitions += 1 }
                    let commitTime = version == 1 && p.commitTimestamp >= 0 ? p.commitTimestamp : timestamp
                    accepted.append((tp, CommittedOffset(
                        offset: p.committedOffset, leaderEpoch: version >= 6 ? p.committedLeaderEpoch : -1,
                        metadata: metadata, commitTimestampMilliseconds: commitTime)))
                }
            }
        }
        if !accepted.isEmpty {
            let records = accepted.map { GroupRecord.offset(groupID: request.groupID, $0.0, $0.1) }
            switch await store.write(records, timestampMilliseconds: timestamp) {
            case .success(let base):
                // Re-read the group: it may have been forgotten and re-created meanwhile.
                let target = groupForApplying(request.groupID)
                for (i, (tp, committed)) in accepted.enumerated() {
                    target?.applyCommitted(committed, to: tp, logOffset: base + Int64(i))
                }
            case .failure:
                for (tp, _) in accepted { errors[tp] = .coordinatorNotAvailable }
            }
        }
        return OffsetCommitResponse(topics: request.topics.map { t in
            OffsetCommitResponse.Topic(name: t.name, partitions: t.partitions.map { p in
                .init(partitionIndex: p.partitionIndex, errorCode: errors[TopicPartition(t.name, p.partitionIndex)] ?? .none)
            })
        })
    }

    /// Kafka's checks for a (non-transactional) commit, in Kafka's order.
    func validateCommit(_ group: ConsumerGroup, generationID: Int32, memberID: String, instanceID: String?) -> KafkaErrorCode {
        if group.state == .dead { return .coordinatorNotAvailable }
        if group.isFenced(memberID: memberID, groupInstanceID: instanceID) { return .fencedInstanceID }
        if generationID < 0 && memberID.isEmpty && !group.hasMembers { return .none }
        if group.state == .completingRebalance { return .rebalanceInProgress }
        if group.member(memberID) == nil { return .unknownMemberID }
        if generationID != group.generationID { return .illegalGeneration }
        return .none
    }

    /// Topic names as Kafka allows them (which also keeps them within the record format) and
    /// non-negative partitions; the coordinator does not know which topics exist.
    static func isStorable(_ tp: TopicPartition) -> Bool {
        !tp.topic.isEmpty && tp.topic.utf8.count <= 249 && tp.partition >= 0
    }

    /// The group to apply a durable write to, re-created if it was forgotten while the write
    /// was in flight (possible only for a group that had nothing to keep).
    func groupForApplying(_ groupID: String) -> ConsumerGroup? {
        if let group = groups[groupID] { return group }
        guard !isClosed else { return nil }
        let group = ConsumerGroup(groupID: groupID)
        groups[groupID] = group
        return group
    }

    // MARK: OffsetFetch

    /// OffsetFetch v0–7. Null topics (v2+) means every partition the group committed;
    /// partitions without a commit answer offset -1. With `requireStable` (v7, KIP-447)
    /// partitions with staged transactional offsets answer UNSTABLE_OFFSET_COMMIT, so an
    /// exactly-once consumer waits instead of starting from an offset about to change.
    public func offsetFetch(_ request: OffsetFetchRequest, context: RequestContext) -> OffsetFetchResponse {
        let version = context.apiVersion
        let requested = version >= 2 ? request.topics : (request.topics ?? [])
        func failure(_ code: KafkaErrorCode) -> OffsetFetchResponse {
            // v0–1 have no group-level error; the partitions carry it.
            let topics = (requested ?? []).map { t in
                OffsetFetchResponse.Topic(name: t.name, partitions: t.partitionIndexes.map {
                    .init(partitionIndex: $0, metadata: "", errorCode: code)
                })
            }
            return OffsetFetchResponse(topics: version >= 2 ? [] : topics, errorCode: code)
        }
        guard !isClosed else { return failure(.coordinatorNotAvailable) }
        guard Self.isValidGroupID(request.groupID) else { return failure(.invalidGroupID) }
        let group = groups[request.groupID]
        let requireStable = version >= 7 && request.requireStable
        let pending = requireStable ? group?.partitionsWithPendingTransactions ?? [] : []

        func partition(_ tp: TopicPartition) -> OffsetFetchResponse.Partition {
            if pending.contains(tp) {
                return .init(partitionIndex: tp.partition, metadata: "", errorCode: .unstableOffsetCommit)
            }
            guard let stored = group?.offsets[tp] else { return .init(partitionIndex: tp.partition, metadata: "") }
            return .init(partitionIndex: tp.partition, committedOffset: stored.value.offset,
                         committedLeaderEpoch: stored.value.leaderEpoch, metadata: stored.value.metadata)
        }

        let topics: [OffsetFetchResponse.Topic]
        if let requested {
            topics = requested.map { t in
                OffsetFetchResponse.Topic(name: t.name, partitions: t.partitionIndexes.map { partition(TopicPartition(t.name, $0)) })
            }
        } else {
            let all = (group?.offsets.keys).map(Array.init) ?? []
            let byTopic = Dictionary(grouping: all, by: \.topic)
            topics = byTopic.keys.sorted().map { name in
                OffsetFetchResponse.Topic(name: name, partitions: byTopic[name]!.sorted().map(partition))
            }
        }
        return OffsetFetchResponse(topics: topics, errorCode: .none)
    }
}

extension ConsumerGroup {
    /// Applies a durable commit unless a later one (by log position) is already applied.
    func applyCommitted(_ committed: CommittedOffset, to tp: TopicPartition, logOffset: Int64) {
        if let current = offsets[tp], current.logOffset > logOffset { return }
        offsets[tp] = StoredOffset(value: committed, logOffset: logOffset)
    }

    /// Partitions some open transaction staged offsets for.
    var partitionsWithPendingTransactions: Set<TopicPartition> {
        Set(pendingTransactions.values.flatMap(\.offsets.keys))
    }
}
