public import NagareCore
public import NagareWire

/// The group side of transactions (KIP-98, KIP-447): offsets a transactional producer sends
/// with `sendOffsetsToTransaction` are staged here, invisible to OffsetFetch, until the
/// transaction coordinator ends the transaction.
///
/// Staged offsets are durable (record kind 3 in `GroupRecord`), so a transaction decided
/// before a crash can still be committed after it; the batch that ends a transaction
/// tombstones them and, on commit, holds the new committed offsets.
extension GroupCoordinator {
    /// KIP-447's fencing check for TxnOffsetCommit v3+: the committer must be a member of the
    /// group's current generation, so that a zombie that lost its partitions cannot commit.
    /// An empty member id skips the member check and generation -1 the generation check
    /// (older clients, and producers not tied to a consumer).
    public func validateForTransactionalCommit(
        groupID: String, generationID: Int32, memberID: String, groupInstanceID: String?
    ) -> KafkaErrorCode {
        guard !isClosed else { return .coordinatorNotAvailable }
        guard Self.isValidGroupID(groupID) else { return .invalidGroupID }
        guard let group = groups[groupID] else {
            if !memberID.isEmpty { return .unknownMemberID }
            return generationID >= 0 ? .illegalGeneration : .none
        }
        if group.state == .dead { return .coordinatorNotAvailable }
        if group.isFenced(memberID: memberID, groupInstanceID: groupInstanceID) { return .fencedInstanceID }
        if !memberID.isEmpty && group.member(memberID) == nil { return .unknownMemberID }
        if generationID >= 0 && generationID != group.generationID { return .illegalGeneration }
        return .none
    }

    /// Stages a transaction's offsets for the group (durably). The caller (the TxnOffsetCommit
    /// handler) has checked that the producer's transaction is ongoing and includes this
    /// group, and called `validateForTransactionalCommit`. A later staging by the same
    /// producer for the same partition replaces the earlier one, as in Kafka.
    public func stageTransactionalOffsets(
        groupID: String, producerID: Int64, producerEpoch: Int16, offsets: [TxnOffsetCommitRequest.Topic]
    ) async -> [TxnOffsetCommitResponse.Topic] {
        func all(_ code: KafkaErrorCode) -> [TxnOffsetCommitResponse.Topic] {
            offsets.map { t in .init(name: t.name, partitions: t.partitions.map { .init(partitionIndex: $0.partitionIndex, errorCode: code) }) }
        }
        guard !isClosed else { return all(.coordinatorNotAvailable) }
        guard Self.isValidGroupID(groupID) else { return all(.invalidGroupID) }
        let group: ConsumerGroup
        if let existing = groups[groupID] {
            group = existing
        } else {
            guard groups.count < configuration.groupsMax else { return all(.coordinatorNotAvailable) }
            group = ConsumerGroup(groupID: groupID)
            groups[groupID] = group
        }
        let timestamp = wallClockMilliseconds()
        var errors: [TopicPartition: KafkaErrorCode] = [:]
        var accepted: [(TopicPartition, CommittedOffset)] = []
        let stagedCount = group.pendingTransactions.values.reduce(0) { $0 + $1.offsets.count }
        for topic in offsets {
            for p in topic.partitions {
                let tp = TopicPartition(topic.name, p.partitionIndex)
                let metadata = p.committedMetadata ?? ""
                if metadata.utf8.count > configuration.offsetMetadataBytesMax {
                    errors[tp] = .offsetMetadataTooLarge
                } else if !Self.isStorable(tp) {
                    errors[tp] = .unknownTopicOrPartition
                } else if stagedCount + accepted.count >= configuration.committedPartitionsPerGroupMax {
                    errors[tp] = .invalidCommitOffsetSize
                } else {
                    accepted.append((tp, CommittedOffset(
                        offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: metadata,
                        commitTimestampMilliseconds: timestamp)))
                }
            }
        }
        if !accepted.isEmpty {
            let records = accepted.map {
                GroupRecord.pendingOffset(groupID: groupID, producerID: producerID, producerEpoch: producerEpoch, $0.0, $0.1)
            }
            switch await store.write(records, timestampMilliseconds: timestamp) {
            case .success(let base):
                if let target = groupForApplying(groupID) {
                    var pending = target.pendingTransactions[producerID] ?? PendingTransaction(producerEpoch: producerEpoch, offsets: [:])
                    pending.producerEpoch = producerEpoch
                    for (i, (tp, committed)) in accepted.enumerated() {
                        pending.offsets[tp] = StoredOffset(value: committed, logOffset: base + Int64(i))
                    }
                    target.pendingTransactions[producerID] = pending
                }
            case .failure:
                for (tp, _) in accepted { errors[tp] = .coordinatorNotAvailable }
            }
        }
        return offsets.map { t in
            .init(name: t.name, partitions: t.partitions.map { p in
                .init(partitionIndex: p.partitionIndex, errorCode: errors[TopicPartition(t.name, p.partitionIndex)] ?? .none)
            })
        }
    }

    /// Ends a transaction for the groups it sent offsets to (the transaction coordinator's
    /// WriteTxnMarkers step for `__consumer_offsets`). Commit makes the staged offsets the
    /// groups' committed offsets — except where a plain commit was written after the staging,
    /// which wins as in Kafka; abort drops them. Durable before it returns `.none`; on
    /// COORDINATOR_NOT_AVAILABLE nothing changed in memory and the caller retries.
    /// Idempotent: ending a transaction with nothing staged does nothing.
    public func completeTransaction(producerID: Int64, groupIDs: [String], commit: Bool) async -> KafkaErrorCode {
        guard !isClosed else { return .coordinatorNotAvailable }
        var records: [GroupRecord] = []
        var winners: [(groupID: String, tp: TopicPartition, value: CommittedOffset, index: Int)] = []
        for groupID in Set(groupIDs).sorted() {
            guard let group = groups[groupID], let pending = group.pendingTransactions[producerID] else { continue }
            for (tp, staged) in pending.offsets.sorted(by: { $0.key < $1.key }) {
                records.append(.pendingOffsetTombstone(groupID: groupID, producerID: producerID, tp))
                if commit, (group.offsets[tp]?.logOffset ?? -1) < staged.logOffset {
                    winners.append((groupID, tp, staged.value, records.count))
                    records.append(.offset(groupID: groupID, tp, staged.value))
                }
            }
        }
        guard !records.isEmpty else { return .none }
        guard case .success(let base) = await store.write(records, timestampMilliseconds: wallClockMilliseconds()) else {
            return .coordinatorNotAvailable
        }
        for groupID in Set(groupIDs) {
            groups[groupID]?.pendingTransactions[producerID] = nil
        }
        for winner in winners {
            groupForApplying(winner.groupID)?.applyCommitted(winner.value, to: winner.tp, logOffset: base + Int64(winner.index))
        }
        return .none
    }

    /// Whether an open transaction staged offsets for any of `partitions` of the group (any
    /// partition when nil): OffsetFetch's `requireStable` and the transaction coordinator ask.
    public func hasPendingTransactionalOffsets(groupID: String, partitions: [TopicPartition]? = nil) -> Bool {
        guard let group = groups[groupID] else { return false }
        let pending = group.partitionsWithPendingTransactions
        guard let partitions else { return !pending.isEmpty }
        return partitions.contains(where: pending.contains)
    }

    /// TxnOffsetCommit v0–3 in one call: `validateForTransactionalCommit` (v3 fields) then
    /// `stageTransactionalOffsets`. The caller must first check the producer id and epoch
    /// against the transaction coordinator (INVALID_PRODUCER_EPOCH, and that AddOffsetsToTxn
    /// was called); this method knows nothing of transactions' state.
    public func txnOffsetCommit(_ request: TxnOffsetCommitRequest, context: RequestContext) async -> TxnOffsetCommitResponse {
        let v3 = context.apiVersion >= 3
        let check = validateForTransactionalCommit(
            groupID: request.groupID, generationID: v3 ? request.generationID : -1, memberID: v3 ? request.memberID : "",
            groupInstanceID: v3 ? request.groupInstanceID : nil)
        guard check == .none else {
            return TxnOffsetCommitResponse(topics: request.topics.map { t in
                .init(name: t.name, partitions: t.partitions.map { .init(partitionIndex: $0.partitionIndex, errorCode: check) })
            })
        }
        let topics = context.apiVersion >= 2 ? request.topics : request.topics.map { t in
            TxnOffsetCommitRequest.Topic(name: t.name, partitions: t.partitions.map { p in
                var p = p
                p.committedLeaderEpoch = -1
                return p
            })
        }
        return TxnOffsetCommitResponse(topics: await stageTransactionalOffsets(
            groupID: request.groupID, producerID: request.producerID, producerEpoch: request.producerEpoch, offsets: topics))
    }
}
