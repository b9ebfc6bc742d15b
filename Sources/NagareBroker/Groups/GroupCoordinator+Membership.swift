public import NagareWire

/// JoinGroup, SyncGroup, Heartbeat and LeaveGroup: the classic rebalance protocol.
extension GroupCoordinator {
    /// What a JoinGroup asks for, normalised across versions.
    struct JoinAttempt {
        var memberID: String
        var groupInstanceID: String?
        var clientID: String
        var clientHost: String
        var rebalanceTimeout: Duration
        var sessionTimeout: Duration
        var protocolType: String
        var protocols: [JoinGroupRequest.GroupProtocol]
    }

    // MARK: JoinGroup

    /// JoinGroup v0–6. Suspends until the rebalance it starts or joins completes (all known
    /// members rejoined, or the rebalance timeout passed); answers at once with
    /// MEMBER_ID_REQUIRED (v4+, KIP-394), errors, or — for a follower rejoining a Stable
    /// group with unchanged protocols — the current generation.
    public func joinGroup(_ request: JoinGroupRequest, context: RequestContext) async -> JoinGroupResponse {
        let version = context.apiVersion
        func failure(_ code: KafkaErrorCode, memberID: String? = nil) -> JoinGroupResponse {
            JoinGroupResponse(errorCode: code, generationID: -1, memberID: memberID ?? request.memberID)
        }
        guard !isClosed else { return failure(.coordinatorNotAvailable) }
        guard Self.isValidGroupID(request.groupID) else { return failure(.invalidGroupID) }
        guard configuration.sessionTimeoutRangeMilliseconds.contains(request.sessionTimeoutMilliseconds) else {
            return failure(.invalidSessionTimeout)
        }
        let limit = GroupRecord.stringBytesMax
        guard !request.protocolType.isEmpty, !request.protocols.isEmpty, request.protocolType.utf8.count <= limit,
              request.protocols.allSatisfy({ !$0.name.isEmpty && $0.name.utf8.count <= limit })
        else {
            return failure(.inconsistentGroupProtocol)
        }
        let instanceID = version >= 5 ? request.groupInstanceID : nil
        if let instanceID, instanceID.isEmpty || instanceID.utf8.count > 249 {
            return failure(.invalidRequest)
        }
        let session = Duration.milliseconds(Int64(request.sessionTimeoutMilliseconds))
        let rebalance = version >= 1 && request.rebalanceTimeoutMilliseconds > 0
            ? Duration.milliseconds(Int64(request.rebalanceTimeoutMilliseconds)) : session
        let attempt = JoinAttempt(
            memberID: request.memberID, groupInstanceID: instanceID, clientID: String(context.clientID.prefix(1000)),
            clientHost: String(context.clientHost.prefix(1000)), rebalanceTimeout: rebalance, sessionTimeout: session,
            protocolType: request.protocolType, protocols: request.protocols)

        let group: ConsumerGroup
        if let existing = groups[request.groupID] {
            group = existing
        } else {
            guard request.memberID.isEmpty else { return failure(.unknownMemberID) }
            guard groups.count < configuration.groupsMax else { return failure(.coordinatorNotAvailable) }
            group = ConsumerGroup(groupID: request.groupID)
            groups[request.groupID] = group
        }
        guard group.state != .dead else { return failure(.coordinatorNotAvailable) }
        let knownID = request.memberID.isEmpty ? nil : request.memberID
        guard group.supports(protocolType: attempt.protocolType, protocols: attempt.protocols, memberID: knownID) else {
            return failure(.inconsistentGroupProtocol)
        }
        if request.memberID.isEmpty {
            return await joinAsNewMember(group, attempt, version: version)
        }
        return await rejoin(group, attempt)
    }

    /// A join without a member id: a new member, or a static member restarting.
    private func joinAsNewMember(_ group: ConsumerGroup, _ attempt: JoinAttempt, version: Int16) async -> JoinGroupResponse {
        let newID = GroupMember.makeID(prefix: attempt.groupInstanceID ?? attempt.clientID)
        if let instanceID = attempt.groupInstanceID, let oldID = group.staticMemberID(forInstance: instanceID) {
            return await replaceStaticMember(group, oldID: oldID, newID: newID, attempt)
        }
        guard group.members.count + group.pendingMembers.count < configuration.groupMembersMax else {
            return JoinGroupResponse(errorCode: .groupMaxSizeReached, generationID: -1, memberID: "")
        }
        if attempt.groupInstanceID == nil, version >= 4 {
            // KIP-394: the member must come back with this id, so that a client that retries
            // a join whose response was lost does not leave a ghost member behind.
            group.pendingMembers[newID] = now() + attempt.sessionTimeout
            return JoinGroupResponse(errorCode: .memberIDRequired, generationID: -1, memberID: newID)
        }
        return await addMemberAndRebalance(group, memberID: newID, attempt)
    }

    /// A join with a member id: a member told MEMBER_ID_REQUIRED, or a known member rejoining.
    private func rejoin(_ group: ConsumerGroup, _ attempt: JoinAttempt) async -> JoinGroupResponse {
        let memberID = attempt.memberID
        if group.pendingMembers.removeValue(forKey: memberID) != nil {
            guard group.members.count < configuration.groupMembersMax else {
                return JoinGroupResponse(errorCode: .groupMaxSizeReached, generationID: -1, memberID: memberID)
            }
            return await addMemberAndRebalance(group, memberID: memberID, attempt)
        }
        guard !group.isFenced(memberID: memberID, groupInstanceID: attempt.groupInstanceID) else {
            return JoinGroupResponse(errorCode: .fencedInstanceID, generationID: -1, memberID: memberID)
        }
        guard let member = group.member(memberID) else {
            return JoinGroupResponse(errorCode: .unknownMemberID, generationID: -1, memberID: memberID)
        }
        let sameProtocols = member.protocols == attempt.protocols
        switch group.state {
        case .empty, .dead:
            return JoinGroupResponse(errorCode: .unknownMemberID, generationID: -1, memberID: memberID)
        case .preparingRebalance:
            update(group, memberID, with: attempt)
            return await parkJoin(group, memberID: memberID)
        case .completingRebalance:
            // A retry of a join whose answer was lost: answer it again.
            if sameProtocols {
                touch(group, memberID)
                return group.joinResponse(for: memberID)
            }
            update(group, memberID, with: attempt)
            return await parkJoin(group, memberID: memberID)
        case .stable:
            // The leader rejoining means it wants a new assignment (its subscription may have
            // changed); a follower with unchanged protocols just gets the generation back.
            if memberID != group.leaderID && sameProtocols {
                touch(group, memberID)
                return group.joinResponse(for: memberID)
            }
            update(group, memberID, with: attempt)
            return await parkJoin(group, memberID: memberID)
        }
    }

    private func update(_ group: ConsumerGroup, _ memberID: String, with attempt: JoinAttempt) {
        let now = now()
        group.withMember(memberID) { m in
            m.protocols = attempt.protocols
            m.rebalanceTimeout = attempt.rebalanceTimeout
            m.sessionTimeout = attempt.sessionTimeout
            m.clientID = attempt.clientID
            m.clientHost = attempt.clientHost
            m.sessionDeadline = now + attempt.sessionTimeout
        }
    }

    private func addMemberAndRebalance(_ group: ConsumerGroup, memberID: String, _ attempt: JoinAttempt) async -> JoinGroupResponse {
        let member = GroupMember(
            memberID: memberID, groupInstanceID: attempt.groupInstanceID, clientID: attempt.clientID,
            clientHost: attempt.clientHost, rebalanceTimeout: attempt.rebalanceTimeout,
            sessionTimeout: attempt.sessionTimeout, protocols: attempt.protocols,
            sessionDeadline: now() + attempt.sessionTimeout)
        group.add(member, protocolType: attempt.protocolType)
        return await parkJoin(group, memberID: memberID, isNew: true)
    }

    /// KIP-345: a static member restarting (same instance id, no member id) takes over its
    /// old identity under a new member id. In a Stable group with unchanged protocols this
    /// needs no rebalance: it gets the current generation (and the member list if it leads)
    /// and fetches its old assignment with SyncGroup.
    private func replaceStaticMember(_ group: ConsumerGroup, oldID: String, newID: String, _ attempt: JoinAttempt) async -> JoinGroupResponse {
        guard let old = group.replaceStaticMember(oldID: oldID, newID: newID) else {
            return JoinGroupResponse(errorCode: .unknownMemberID, generationID: -1, memberID: "")
        }
        let sameProtocols = old.protocols == attempt.protocols
        update(group, newID, with: attempt)
        if group.state == .stable && sameProtocols {
            appendBestEffort([group.metadataRecord], for: group)
            return group.joinResponse(for: newID)
        }
        return await parkJoin(group, memberID: newID)
    }

    /// Suspends the member's JoinGroup until the rebalance completes, starting one if needed.
    private func parkJoin(_ group: ConsumerGroup, memberID: String, isNew: Bool = false) async -> JoinGroupResponse {
        await withCheckedContinuation { (continuation: CheckedContinuation<JoinGroupResponse, Never>) in
            var rebalanceTimeout = Duration.zero
            group.withMember(memberID) { m in
                // A second join from the same member (a client retrying on a new connection)
                // replaces the first; the first is told to rejoin.
                m.failJoin(.rebalanceInProgress)
                m.joinContinuation = continuation
                rebalanceTimeout = m.rebalanceTimeout
            }
            maybePrepareRebalance(group)
            memberJoinedRebalance(group, rebalanceTimeout: rebalanceTimeout, isNew: isNew)
            tryCompleteJoin(group)
        }
    }

    // MARK: SyncGroup

    /// SyncGroup v0–4. The leader's request carries the assignment, which is stored durably
    /// before anyone gets theirs; followers' requests suspend until then.
    public func syncGroup(_ request: SyncGroupRequest, context: RequestContext) async -> SyncGroupResponse {
        guard !isClosed else { return SyncGroupResponse(errorCode: .coordinatorNotAvailable) }
        guard Self.isValidGroupID(request.groupID) else { return SyncGroupResponse(errorCode: .invalidGroupID) }
        guard let group = groups[request.groupID] else { return SyncGroupResponse(errorCode: .unknownMemberID) }
        let instanceID = context.apiVersion >= 3 ? request.groupInstanceID : nil
        if group.isFenced(memberID: request.memberID, groupInstanceID: instanceID) {
            return SyncGroupResponse(errorCode: .fencedInstanceID)
        }
        guard let member = group.member(request.memberID) else { return SyncGroupResponse(errorCode: .unknownMemberID) }
        guard request.generationID == group.generationID else { return SyncGroupResponse(errorCode: .illegalGeneration) }
        switch group.state {
        case .empty, .dead:
            return SyncGroupResponse(errorCode: .unknownMemberID)
        case .preparingRebalance:
            return SyncGroupResponse(errorCode: .rebalanceInProgress)
        case .stable:
            touch(group, request.memberID)
            return SyncGroupResponse(errorCode: .none, assignment: member.assignment)
        case .completingRebalance:
            touch(group, request.memberID)
            if request.memberID == group.leaderID && !group.isStoringAssignment {
                return await storeAssignment(group, request)
            }
            return await withCheckedContinuation { (continuation: CheckedContinuation<SyncGroupResponse, Never>) in
                group.withMember(request.memberID) { m in
                    m.failSync(.rebalanceInProgress)
                    m.syncContinuation = continuation
                }
            }
        }
    }

    /// Writes the leader's assignment with the group metadata, then moves the group to Stable
    /// and answers every waiting member. If the group moved on while the write was in flight
    /// (a member joined or left), the leader is told to rejoin like everyone else.
    private func storeAssignment(_ group: ConsumerGroup, _ request: SyncGroupRequest) async -> SyncGroupResponse {
        let generation = group.generationID
        var assignments: [String: [UInt8]] = [:]
        for a in request.assignments where group.member(a.memberID) != nil {
            assignments[a.memberID] = a.assignment
        }
        for id in group.memberOrder {
            group.withMember(id) { m in m.assignment = assignments[id] ?? [] }
        }
        group.isStoringAssignment = true
        let result = await store.write([group.metadataRecord], timestampMilliseconds: wallClockMilliseconds())
        guard groups[group.groupID] === group, group.state == .completingRebalance, group.generationID == generation else {
            return SyncGroupResponse(errorCode: .rebalanceInProgress)
        }
        group.isStoringAssignment = false
        guard case .success = result else {
            // As Kafka does when the append fails: nobody gets an assignment, and a new
            // rebalance gives the leader another chance.
            for id in group.memberOrder {
                group.withMember(id) { m in
                    m.assignment = []
                    m.failSync(.coordinatorNotAvailable)
                }
            }
            prepareRebalance(group)
            tryCompleteJoin(group)
            return SyncGroupResponse(errorCode: .coordinatorNotAvailable)
        }
        group.hasPersistedMetadata = true
        group.transition(to: .stable)
        for id in group.memberOrder {
            group.withMember(id) { m in
                m.syncContinuation?.resume(returning: SyncGroupResponse(errorCode: .none, assignment: m.assignment))
                m.syncContinuation = nil
            }
        }
        return SyncGroupResponse(errorCode: .none, assignment: group.member(request.memberID)?.assignment ?? [])
    }

    // MARK: Heartbeat

    /// Heartbeat v0–4: extends the member's session; REBALANCE_IN_PROGRESS tells it to rejoin.
    public func heartbeat(_ request: HeartbeatRequest, context: RequestContext) -> HeartbeatResponse {
        guard !isClosed else { return HeartbeatResponse(errorCode: .coordinatorNotAvailable) }
        guard Self.isValidGroupID(request.groupID) else { return HeartbeatResponse(errorCode: .invalidGroupID) }
        guard let group = groups[request.groupID] else { return HeartbeatResponse(errorCode: .unknownMemberID) }
        let instanceID = context.apiVersion >= 3 ? request.groupInstanceID : nil
        if group.isFenced(memberID: request.memberID, groupInstanceID: instanceID) {
            return HeartbeatResponse(errorCode: .fencedInstanceID)
        }
        guard group.member(request.memberID) != nil else { return HeartbeatResponse(errorCode: .unknownMemberID) }
        switch group.state {
        case .empty, .dead:
            return HeartbeatResponse(errorCode: .unknownMemberID)
        case .preparingRebalance:
            // Whatever its generation, the member must rejoin; keep it alive until it does.
            touch(group, request.memberID)
            return HeartbeatResponse(errorCode: .rebalanceInProgress)
        case .completingRebalance, .stable:
            guard request.generationID == group.generationID else { return HeartbeatResponse(errorCode: .illegalGeneration) }
            touch(group, request.memberID)
            return HeartbeatResponse(errorCode: .none)
        }
    }

    // MARK: LeaveGroup

    /// LeaveGroup v0–4: v0–2 name one member, v3+ a batch (by member id or, for static
    /// members, instance id) with an error per member. The remaining members rebalance.
    public func leaveGroup(_ request: LeaveGroupRequest, context: RequestContext) -> LeaveGroupResponse {
        let version = context.apiVersion
        let leaving = version >= 3 ? request.members : [LeaveGroupRequest.Member(memberID: request.memberID)]
        func respond(_ results: [LeaveGroupResponse.Member]) -> LeaveGroupResponse {
            if version >= 3 { return LeaveGroupResponse(errorCode: .none, members: results) }
            return LeaveGroupResponse(errorCode: results.first?.errorCode ?? .none)
        }
        guard !isClosed else { return LeaveGroupResponse(errorCode: .coordinatorNotAvailable) }
        guard Self.isValidGroupID(request.groupID) else { return LeaveGroupResponse(errorCode: .invalidGroupID) }
        guard let group = groups[request.groupID] else {
            return respond(leaving.map { .init(memberID: $0.memberID, groupInstanceID: $0.groupInstanceID, errorCode: .unknownMemberID) })
        }
        var results: [LeaveGroupResponse.Member] = []
        var removedAny = false
        var removedPending = false
        for identity in leaving {
            var result = LeaveGroupResponse.Member(memberID: identity.memberID, groupInstanceID: identity.groupInstanceID)
            if let instanceID = identity.groupInstanceID {
                if let current = group.staticMemberID(forInstance: instanceID) {
                    if !identity.memberID.isEmpty && identity.memberID != current {
                        result.errorCode = .fencedInstanceID
                    } else {
                        group.remove(current)
                        removedAny = true
                    }
                } else {
                    result.errorCode = .unknownMemberID
                }
            } else if group.pendingMembers.removeValue(forKey: identity.memberID) != nil {
                // A member that never finished the MEMBER_ID_REQUIRED dance: nothing to
                // rebalance, but a rebalance in progress may have been waiting for it.
                removedPending = true
            } else if group.member(identity.memberID) != nil {
                group.remove(identity.memberID)
                removedAny = true
            } else {
                result.errorCode = .unknownMemberID
            }
            results.append(result)
        }
        if removedAny {
            membershipChanged(group)
        } else if removedPending {
            tryCompleteJoin(group)
        }
        return respond(results)
    }
}
