public import NagareWire

/// DescribeGroups, ListGroups and group deletion: the admin side.
extension GroupCoordinator {
    /// DescribeGroups v0–5. An unknown group is reported as Dead with no error, as Kafka does
    /// before v6. Members carry their subscription and assignment only while the group is
    /// Stable (in other states they are being replaced), as in Kafka.
    public func describeGroups(_ request: DescribeGroupsRequest, context: RequestContext) -> DescribeGroupsResponse {
        DescribeGroupsResponse(groups: request.groups.map { groupID in
            guard !isClosed else { return .init(errorCode: .coordinatorNotAvailable, groupID: groupID) }
            guard Self.isValidGroupID(groupID) else { return .init(errorCode: .invalidGroupID, groupID: groupID) }
            guard let group = groups[groupID] else {
                return .init(groupID: groupID, groupState: GroupStateMachine.State.dead.kafkaName)
            }
            let isStable = group.state == .stable
            return .init(
                groupID: groupID, groupState: group.state.kafkaName, protocolType: group.protocolType ?? "",
                protocolData: isStable ? group.protocolName ?? "" : "",
                members: group.sortedMembers.map { m in
                    .init(memberID: m.memberID, groupInstanceID: m.groupInstanceID, clientID: m.clientID,
                          clientHost: m.clientHost,
                          memberMetadata: isStable ? m.metadata(for: group.protocolName) : [],
                          memberAssignment: isStable ? m.assignment : [])
                })
        })
    }

    /// ListGroups v0–4: every group, with its protocol type ("" for groups used only for
    /// simple commits) and, v4+, its state; v4's filter matches state names ignoring case.
    public func listGroups(_ request: ListGroupsRequest, context: RequestContext) -> ListGroupsResponse {
        guard !isClosed else { return ListGroupsResponse(errorCode: .coordinatorNotAvailable) }
        let filter = context.apiVersion >= 4 ? Set(request.statesFilter.compactMap(GroupStateMachine.State.init(kafkaName:))) : []
        let unknownFilterOnly = context.apiVersion >= 4 && !request.statesFilter.isEmpty && filter.isEmpty
        let listed = unknownFilterOnly ? [] : groups.values
            .filter { filter.isEmpty || filter.contains($0.state) }
            .sorted { $0.groupID < $1.groupID }
            .map { ListGroupsResponse.Group(groupID: $0.groupID, protocolType: $0.protocolType ?? "", groupState: $0.state.kafkaName) }
        return ListGroupsResponse(errorCode: .none, groups: listed)
    }

    /// Deletes a group with no members: its committed offsets and metadata are tombstoned
    /// (durably) and it is forgotten. For a DeleteGroups handler: NON_EMPTY_GROUP while it
    /// has members, GROUP_ID_NOT_FOUND when unknown, INVALID_GROUP_ID for an empty id.
    public func deleteGroup(groupID: String) async -> KafkaErrorCode {
        guard !isClosed else { return .coordinatorNotAvailable }
        guard Self.isValidGroupID(groupID) else { return .invalidGroupID }
        guard let group = groups[groupID] else { return .groupIDNotFound }
        guard !group.hasMembers, group.state == .empty else { return .nonEmptyGroup }
        var records = group.offsets.keys.sorted().map { GroupRecord.offsetTombstone(groupID: groupID, $0) }
        for (producerID, pending) in group.pendingTransactions {
            records += pending.offsets.keys.map { GroupRecord.pendingOffsetTombstone(groupID: groupID, producerID: producerID, $0) }
        }
        records.append(.groupTombstone(groupID: groupID))
        guard case .success = await store.write(records, timestampMilliseconds: wallClockMilliseconds()) else {
            return .coordinatorNotAvailable
        }
        // A member may have joined while the tombstones were written; the group then lives
        // on (without the deleted offsets), as it would had the join come just after.
        if groups[groupID] === group {
            group.offsets = [:]
            group.pendingTransactions = [:]
            group.hasPersistedMetadata = false
            if group.isDisposable { groups[groupID] = nil }
        }
        return .none
    }
}
