import NagareCore
import NagareWire

/// The coordinator's view of one consumer group: state, generation, members, committed and
/// staged offsets.
///
/// A class confined to the `GroupCoordinator` actor (it is not `Sendable` and never leaves
/// it): the coordinator mutates members in place from many code paths, and a reference keeps
/// that readable. It holds data and the decisions that need no I/O or suspension (protocol
/// choice, fencing checks, the join/sync responses); the coordinator does the parking,
/// timing and persistence.
final class ConsumerGroup {
    let groupID: String
    private(set) var stateMachine: GroupStateMachine
    var state: GroupStateMachine.State { stateMachine.state }
    /// Bumped by every completed rebalance; commits carry it so that a member fenced by a
    /// newer generation cannot commit.
    var generationID: Int32 = 0
    /// "consumer" for consumer groups; nil for a group only ever used for simple commits.
    var protocolType: String?
    /// The assignment strategy chosen in the current generation.
    var protocolName: String?
    var leaderID: String?
    private(set) var members: [String: GroupMember] = [:]
    /// Member ids in the order they joined: the leader is chosen, and members are listed, in
    /// this order, so that responses are deterministic.
    private(set) var memberOrder: [String] = []
    /// Static members: instance id → current member id.
    private(set) var staticMembers: [String: String] = [:]
    /// Members told MEMBER_ID_REQUIRED (KIP-394), until they rejoin with the id or the
    /// deadline (their session timeout) passes. A rebalance waits for them too.
    var pendingMembers: [String: ContinuousClock.Instant] = [:]
    /// When the rebalance in progress completes even if not every member rejoined.
    var rebalanceDeadline: ContinuousClock.Instant?
    /// When the current rebalance started (the initial delay is bounded from here).
    var rebalanceStart: ContinuousClock.Instant?
    /// While set, the first rebalance of an empty group waits for more members until then.
    var initialDelayDeadline: ContinuousClock.Instant?
    /// True while the leader's assignment is being written; a duplicate leader SyncGroup
    /// then waits like a follower's.
    var isStoringAssignment = false
    var offsets: [TopicPartition: StoredOffset] = [:]
    /// Staged transactional offsets by producer id.
    var pendingTransactions: [Int64: PendingTransaction] = [:]
    /// True once a group metadata record was written, so deleting the group needs a tombstone.
    var hasPersistedMetadata = false

    init(groupID: String, state: GroupStateMachine.State = .empty) {
        self.groupID = groupID
        self.stateMachine = GroupStateMachine(state: state)
    }

    func transition(to next: GroupStateMachine.State) {
        stateMachine.transition(to: next)
    }

    // MARK: Members

    var hasMembers: Bool { !members.isEmpty }

    func member(_ memberID: String) -> GroupMember? { members[memberID] }

    func withMember(_ memberID: String, _ body: (inout GroupMember) -> Void) {
        guard members[memberID] != nil else { return }
        body(&members[memberID]!)
    }

    /// Adds a member; the first member of an empty group sets the group's protocol type.
    func add(_ member: GroupMember, protocolType type: String?) {
        if members.isEmpty, let type { protocolType = type }
        members[member.memberID] = member
        memberOrder.append(member.memberID)
        if let instanceID = member.groupInstanceID { staticMembers[instanceID] = member.memberID }
        if leaderID == nil { leaderID = member.memberID }
    }

    /// Removes a member, answering its parked requests with `code`. Returns it.
    @discardableResult
    func remove(_ memberID: String, answering code: KafkaErrorCode = .unknownMemberID) -> GroupMember? {
        guard var member = members.removeValue(forKey: memberID) else { return nil }
        memberOrder.removeAll { $0 == memberID }
        if let instanceID = member.groupInstanceID, staticMembers[instanceID] == memberID {
            staticMembers[instanceID] = nil
        }
        member.failJoin(code)
        member.failSync(code)
        if leaderID == memberID {
            // Prefer a member already waiting in the rebalance, as Kafka does, so the new
            // leader is one that will get the member list soon.
            leaderID = memberOrder.first(where: { members[$0]?.isAwaitingJoin == true }) ?? memberOrder.first
        }
        return member
    }

    /// Gives a static member a new member id (a restarted instance rejoining): the old id is
    /// fenced, its parked requests answered with FENCED_INSTANCE_ID.
    func replaceStaticMember(oldID: String, newID: String) -> GroupMember? {
        guard var old = members.removeValue(forKey: oldID) else { return nil }
        old.failJoin(.fencedInstanceID)
        old.failSync(.fencedInstanceID)
        let new = GroupMember(
            memberID: newID, groupInstanceID: old.groupInstanceID, clientID: old.clientID, clientHost: old.clientHost,
            rebalanceTimeout: old.rebalanceTimeout, sessionTimeout: old.sessionTimeout, protocols: old.protocols,
            assignment: old.assignment, sessionDeadline: old.sessionDeadline, isNew: false)
        members[newID] = new
        if let i = memberOrder.firstIndex(of: oldID) { memberOrder[i] = newID }
        if let instanceID = new.groupInstanceID { staticMembers[instanceID] = newID }
        if leaderID == oldID { leaderID = newID }
        return new
    }

    func staticMemberID(forInstance instanceID: String) -> String? { staticMembers[instanceID] }

    /// KIP-345: a request naming a known instance id with another member id comes from a
    /// zombie of that instance and is refused with FENCED_INSTANCE_ID.
    func isFenced(memberID: String, groupInstanceID: String?) -> Bool {
        guard let groupInstanceID, let current = staticMembers[groupInstanceID] else { return false }
        return current != memberID
    }

    /// Every member has rejoined and no member told MEMBER_ID_REQUIRED is still expected.
    var hasAllMembersJoined: Bool {
        pendingMembers.isEmpty && members.values.allSatisfy(\.isAwaitingJoin)
    }

    /// The longest rebalance timeout of the members: how long a rebalance may wait for them.
    var rebalanceTimeout: Duration {
        members.values.map(\.rebalanceTimeout).max() ?? .zero
    }

    var sortedMembers: [GroupMember] { memberOrder.compactMap { members[$0] } }

    // MARK: Protocols

    /// Whether a member offering `protocols` of `type` can be in this group: the type must be
    /// the group's, and some protocol must be supported by every member (the joining one's old
    /// offer is replaced by its new one).
    func supports(protocolType type: String, protocols: [JoinGroupRequest.GroupProtocol], memberID: String?) -> Bool {
        let others = members.values.filter { $0.memberID != memberID }
        guard !others.isEmpty else { return true }
        guard type == protocolType else { return false }
        return !candidateProtocols(others: others, joining: protocols).isEmpty
    }

    private func candidateProtocols(others: [GroupMember], joining: [JoinGroupRequest.GroupProtocol]) -> [String] {
        var names = joining.map(\.name)
        for member in others {
            let supported = Set(member.protocols.map(\.name))
            names.removeAll { !supported.contains($0) }
        }
        return names
    }

    /// Kafka's choice: among protocols every member supports, each member votes for the first
    /// one in its own preference order; most votes wins, ties going to the one the leader
    /// prefers. Nil only if the members share no protocol (joins keep that from happening).
    func selectProtocol() -> String? {
        let all = sortedMembers
        guard let first = all.first else { return nil }
        var candidates = first.protocols.map(\.name)
        for member in all.dropFirst() {
            let supported = Set(member.protocols.map(\.name))
            candidates.removeAll { !supported.contains($0) }
        }
        guard !candidates.isEmpty else { return nil }
        let candidateSet = Set(candidates)
        var votes: [String: Int] = [:]
        for member in all {
            if let vote = member.protocols.first(where: { candidateSet.contains($0.name) }) {
                votes[vote.name, default: 0] += 1
            }
        }
        let leaderOrder = (leaderID.flatMap { members[$0] } ?? first).protocols.map(\.name).filter(candidateSet.contains)
        let order = leaderOrder + candidates.filter { !leaderOrder.contains($0) }
        let best = votes.values.max() ?? 0
        return order.first { votes[$0, default: 0] == best }
    }

    // MARK: Responses

    /// The JoinGroup answer for `memberID` in the current generation: the leader gets every
    /// member's subscription for the chosen protocol, the others an empty list.
    func joinResponse(for memberID: String) -> JoinGroupResponse {
        let isLeader = memberID == leaderID
        let list: [JoinGroupResponse.Member] = isLeader
            ? sortedMembers.map { m in
                JoinGroupResponse.Member(memberID: m.memberID, groupInstanceID: m.groupInstanceID,
                                         metadata: m.metadata(for: protocolName))
            }
            : []
        return JoinGroupResponse(
            errorCode: .none, generationID: generationID, protocolName: protocolName ?? "",
            leader: leaderID ?? "", memberID: memberID, members: list)
    }

    /// The group metadata record for the current generation.
    var metadataRecord: GroupRecord {
        .group(GroupRecord.GroupMetadataValue(
            groupID: groupID, protocolType: protocolType, generationID: generationID, protocolName: protocolName,
            leaderID: leaderID,
            members: sortedMembers.map { m in
                GroupRecord.GroupMetadataValue.Member(
                    memberID: m.memberID, groupInstanceID: m.groupInstanceID, clientID: m.clientID,
                    clientHost: m.clientHost,
                    rebalanceTimeoutMilliseconds: Int32(clamping: m.rebalanceTimeout.milliseconds),
                    sessionTimeoutMilliseconds: Int32(clamping: m.sessionTimeout.milliseconds),
                    subscription: m.metadata(for: protocolName), assignment: m.assignment)
            }))
    }

    /// Restores the group from its persisted metadata (broker start): with members it is
    /// Stable in the stored generation, and members that do not heartbeat within their session
    /// timeout are removed as usual.
    func restore(from value: GroupRecord.GroupMetadataValue, now: ContinuousClock.Instant) {
        for id in memberOrder { remove(id) }
        generationID = value.generationID
        protocolType = value.protocolType
        protocolName = value.protocolName
        leaderID = nil
        for m in value.members {
            let session = Duration.milliseconds(Int64(m.sessionTimeoutMilliseconds))
            let protocols = value.protocolName.map { [JoinGroupRequest.GroupProtocol(name: $0, metadata: m.subscription)] } ?? []
            add(GroupMember(
                memberID: m.memberID, groupInstanceID: m.groupInstanceID, clientID: m.clientID, clientHost: m.clientHost,
                rebalanceTimeout: .milliseconds(Int64(m.rebalanceTimeoutMilliseconds)), sessionTimeout: session,
                protocols: protocols, assignment: m.assignment, sessionDeadline: now + session, isNew: false),
                protocolType: nil)
        }
        leaderID = value.leaderID.flatMap { members[$0] != nil ? $0 : nil } ?? memberOrder.first
        protocolType = value.protocolType
        stateMachine = GroupStateMachine(state: members.isEmpty ? .empty : .stable)
        hasPersistedMetadata = true
    }

    /// True when nothing about the group is worth keeping: no members, offsets, staged
    /// transactions or persisted generation. Such a group (a join that never completed the
    /// MEMBER_ID_REQUIRED dance, say) is forgotten.
    var isDisposable: Bool {
        state == .empty && members.isEmpty && pendingMembers.isEmpty && offsets.isEmpty
            && pendingTransactions.isEmpty && !hasPersistedMetadata
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
