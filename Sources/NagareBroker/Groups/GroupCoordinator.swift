import NagareCore
public import NagareLog
import NagareWire

/// The broker's consumer group coordinator: Kafka's classic group protocol (JoinGroup,
/// SyncGroup, Heartbeat, LeaveGroup), committed offsets (OffsetCommit, OffsetFetch),
/// DescribeGroups, ListGroups, and the group side of transactions (TxnOffsetCommit).
///
/// Pure logic, no networking: each API is a method taking the decoded request and the
/// `RequestContext` and returning the response for the request's version. JoinGroup and
/// SyncGroup suspend (without blocking anything else) until the rebalance lets them answer.
///
/// Concurrency: an actor, because requests of one group arrive on many connections. The
/// only awaits inside its methods are the fsyncs of the offsets log, which run on a dispatch
/// queue; code after such an await re-reads the group, since other requests ran meanwhile.
///
/// Time: `now` drives sessions and rebalance deadlines; `run()` calls `expireDeadlines()`
/// every `sweepIntervalMilliseconds`, and tests with a manual clock call it themselves.
/// `wallClockMilliseconds` stamps commits.
///
/// Durability: commits, the leader's assignment and transaction outcomes are appended to
/// `<dataDirectory>/__consumer_offsets-0` and fsynced before the response; `init` replays
/// that log, so offsets, generations and assignments survive a restart (format:
/// `GroupRecord`).
///
/// Not supported: KIP-848 (the consumer protocol, ConsumerGroupHeartbeat), JoinGroup v7+,
/// SyncGroup v5+, offset retention/expiry (offsets stay until the group is deleted), and
/// static members' "no rebalance on restart" in CompletingRebalance (a rejoin with a new
/// member id there triggers a rebalance, which is correct but slower).
public actor GroupCoordinator {
    public nonisolated let configuration: GroupCoordinatorConfiguration
    /// What replaying the offsets log found at start.
    public nonisolated let loadReport: GroupLoadReport

    let store: GroupOffsetStore
    let now: @Sendable () -> ContinuousClock.Instant
    let wallClockMilliseconds: @Sendable () -> Int64
    var groups: [String: ConsumerGroup] = [:]
    var isClosed = false

    /// Opens (creating if needed) the offsets log under `configuration.dataDirectory` and
    /// rebuilds every group from it.
    ///
    /// - Parameters:
    ///   - now: the monotonic clock for sessions and rebalance deadlines; tests pass a
    ///     manual one.
    ///   - wallClockMilliseconds: milliseconds since the Unix epoch, for commit timestamps and
    ///     the log.
    /// - Throws: `ConfigurationError` for an invalid configuration, `LogError` when the log
    ///   cannot be opened or read.
    public init(
        configuration: GroupCoordinatorConfiguration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        wallClockMilliseconds: @escaping @Sendable () -> Int64 = PartitionLog.systemTimeMilliseconds
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        self.now = now
        self.wallClockMilliseconds = wallClockMilliseconds
        let store = try GroupOffsetStore(
            dataDirectory: configuration.dataDirectory, segmentBytesMax: configuration.logSegmentBytesMax,
            currentTimeMilliseconds: wallClockMilliseconds)
        self.store = store
        let (groups, report) = try Self.load(from: store, now: now())
        self.groups = groups
        self.loadReport = report
    }

    /// Replays the log into groups.
    private static func load(
        from store: GroupOffsetStore, now: ContinuousClock.Instant
    ) throws(LogError) -> ([String: ConsumerGroup], GroupLoadReport) {
        var groups: [String: ConsumerGroup] = [:]
        func group(_ id: String) -> ConsumerGroup {
            if let g = groups[id] { return g }
            let g = ConsumerGroup(groupID: id)
            groups[id] = g
            return g
        }
        let (applied, skipped) = try store.replay { record, logOffset in
            switch record {
            case .offset(let groupID, let tp, let committed):
                group(groupID).offsets[tp] = StoredOffset(value: committed, logOffset: logOffset)
            case .offsetTombstone(let groupID, let tp):
                groups[groupID]?.offsets[tp] = nil
            case .group(let value):
                group(value.groupID).restore(from: value, now: now)
            case .groupTombstone(let groupID):
                groups[groupID] = nil
            case .pendingOffset(let groupID, let producerID, let producerEpoch, let tp, let committed):
                let g = group(groupID)
                var pending = g.pendingTransactions[producerID] ?? PendingTransaction(producerEpoch: producerEpoch, offsets: [:])
                pending.producerEpoch = producerEpoch
                pending.offsets[tp] = StoredOffset(value: committed, logOffset: logOffset)
                g.pendingTransactions[producerID] = pending
            case .pendingOffsetTombstone(let groupID, let producerID, let tp):
                guard let g = groups[groupID] else { return }
                g.pendingTransactions[producerID]?.offsets[tp] = nil
                if g.pendingTransactions[producerID]?.offsets.isEmpty == true { g.pendingTransactions[producerID] = nil }
            }
        }
        for (id, g) in groups where g.isDisposable { groups[id] = nil }
        var report = GroupLoadReport(logRecovery: store.log.recoveryReport)
        report.records = applied
        report.skippedRecords = skipped
        report.groups = groups.count
        report.committedOffsets = groups.values.reduce(0) { $0 + $1.offsets.count }
        report.pendingTransactions = groups.values.reduce(0) { $0 + $1.pendingTransactions.count }
        return (groups, report)
    }

    // MARK: Lifecycle

    /// Expires sessions and completes rebalances on time until the task is cancelled or the
    /// coordinator is closed; also compacts the offsets log now and then. The broker runs it
    /// in its own task (never started from `init`).
    public func run() async {
        let sweep = Duration.milliseconds(Int64(configuration.sweepIntervalMilliseconds))
        let compactionEvery = Duration.milliseconds(Int64(configuration.compactionIntervalMilliseconds))
        var lastCompaction = ContinuousClock.now
        while !isClosed && !Task.isCancelled {
            do { try await Task.sleep(for: sweep) } catch { return }
            guard !isClosed else { return }
            expireDeadlines()
            if ContinuousClock.now - lastCompaction >= compactionEvery {
                lastCompaction = ContinuousClock.now
                // Compaction only shrinks the log; a failure leaves it as it was and the next
                // pass tries again, so there is nothing to report to a client.
                _ = await store.compact()
            }
        }
    }

    /// Answers every parked request with COORDINATOR_NOT_AVAILABLE (clients then look for the
    /// coordinator again), and closes the offsets log. Later calls answer
    /// COORDINATOR_NOT_AVAILABLE.
    ///
    /// Returns the error of closing the log (its final fsync), if any, instead of throwing:
    /// at shutdown there is nothing left to undo, only something to log.
    @discardableResult
    public func close() -> LogError? {
        guard !isClosed else { return nil }
        isClosed = true
        for group in groups.values {
            for id in group.memberOrder {
                group.withMember(id) { m in
                    m.failJoin(.coordinatorNotAvailable)
                    m.failSync(.coordinatorNotAvailable)
                }
            }
        }
        do throws(LogError) {
            try store.close()
            return nil
        } catch {
            return error
        }
    }

    /// Removes members whose session expired and members told MEMBER_ID_REQUIRED that never
    /// came back, completes rebalances whose deadline (or initial delay) passed, and forgets
    /// groups with nothing left. `run()` calls it periodically; tests call it after moving
    /// their clock.
    public func expireDeadlines() {
        guard !isClosed else { return }
        let now = now()
        for group in Array(groups.values) {
            for (id, deadline) in group.pendingMembers where deadline <= now {
                group.pendingMembers[id] = nil
            }
            // Members with a parked JoinGroup are bounded by the rebalance deadline instead,
            // and members with a parked SyncGroup by the leader's session: they cannot
            // heartbeat while they wait.
            let expired = group.sortedMembers.filter { m in
                !m.isAwaitingJoin && !m.isAwaitingSync && m.sessionDeadline <= now
            }
            for member in expired { group.remove(member.memberID) }
            if !expired.isEmpty {
                membershipChanged(group)
            }
            if group.state == .preparingRebalance {
                if let delay = group.initialDelayDeadline, delay <= now { group.initialDelayDeadline = nil }
                if let deadline = group.rebalanceDeadline, deadline <= now {
                    completeJoin(group)
                } else {
                    tryCompleteJoin(group)
                }
            }
            if group.isDisposable { groups[group.groupID] = nil }
        }
    }

    // MARK: Rebalance internals

    /// Kafka's group ids: anything but the empty string; also bounded by what the offsets log
    /// can store.
    static func isValidGroupID(_ groupID: String) -> Bool {
        !groupID.isEmpty && groupID.utf8.count <= GroupRecord.stringBytesMax
    }

    /// Starts a rebalance unless one is already being prepared.
    func maybePrepareRebalance(_ group: ConsumerGroup) {
        switch group.state {
        case .empty, .stable, .completingRebalance: prepareRebalance(group)
        case .preparingRebalance, .dead: break
        }
    }

    /// Moves the group to PreparingRebalance: members learn of it from their next heartbeat
    /// and rejoin. SyncGroups waiting for an assignment that will not come are answered
    /// REBALANCE_IN_PROGRESS.
    func prepareRebalance(_ group: ConsumerGroup) {
        let now = now()
        if group.state == .completingRebalance {
            for id in group.memberOrder {
                group.withMember(id) { m in
                    m.failSync(.rebalanceInProgress)
                    m.assignment = []
                }
            }
            group.isStoringAssignment = false
        }
        let timeout = group.rebalanceTimeout
        if group.state == .empty, configuration.initialRebalanceDelayMilliseconds > 0 {
            let delay = Duration.milliseconds(Int64(configuration.initialRebalanceDelayMilliseconds))
            group.initialDelayDeadline = now + min(delay, timeout)
        }
        group.rebalanceStart = now
        group.rebalanceDeadline = now + timeout
        group.transition(to: .preparingRebalance)
    }

    /// A member joined a rebalance in progress: the deadline grows to its rebalance timeout,
    /// and during the initial delay of a new group each new member buys another delay (up to
    /// the rebalance timeout), as Kafka's `InitialDelayedJoin` does.
    func memberJoinedRebalance(_ group: ConsumerGroup, rebalanceTimeout: Duration, isNew: Bool) {
        guard group.state == .preparingRebalance, let start = group.rebalanceStart else { return }
        let now = now()
        if let deadline = group.rebalanceDeadline, start + rebalanceTimeout > deadline {
            group.rebalanceDeadline = start + rebalanceTimeout
        }
        if isNew, group.initialDelayDeadline != nil {
            let delay = Duration.milliseconds(Int64(configuration.initialRebalanceDelayMilliseconds))
            let limit = start + group.rebalanceTimeout
            group.initialDelayDeadline = min(now + delay, limit)
        }
    }

    /// Completes the rebalance if every member has rejoined (and the initial delay is over).
    func tryCompleteJoin(_ group: ConsumerGroup) {
        guard group.state == .preparingRebalance else { return }
        if let delay = group.initialDelayDeadline {
            guard delay <= now() else { return }
            group.initialDelayDeadline = nil
        }
        if group.hasAllMembersJoined { completeJoin(group) }
    }

    /// Ends PreparingRebalance: members that did not rejoin are removed, the generation is
    /// bumped, a protocol and a leader are chosen, and every parked JoinGroup is answered.
    /// With no member left the group becomes Empty (its new generation is written to the log,
    /// so a restart does not reuse generation numbers).
    func completeJoin(_ group: ConsumerGroup) {
        guard group.state == .preparingRebalance else { return }
        for member in group.sortedMembers where !member.isAwaitingJoin {
            group.remove(member.memberID)
        }
        group.rebalanceDeadline = nil
        group.rebalanceStart = nil
        group.initialDelayDeadline = nil
        group.generationID = group.generationID == Int32.max ? 1 : group.generationID + 1
        guard group.hasMembers else {
            group.protocolName = nil
            group.leaderID = nil
            group.transition(to: .empty)
            appendBestEffort([group.metadataRecord], for: group)
            return
        }
        group.protocolName = group.selectProtocol()
        if group.leaderID.flatMap(group.member) == nil { group.leaderID = group.memberOrder.first }
        group.transition(to: .completingRebalance)
        let now = now()
        for id in group.memberOrder {
            let response = group.joinResponse(for: id)
            group.withMember(id) { m in
                m.isNew = false
                m.sessionDeadline = now + m.sessionTimeout
                m.joinContinuation?.resume(returning: response)
                m.joinContinuation = nil
            }
        }
    }

    /// After members were removed: a group that was running rebalances the rest; a group
    /// already rebalancing may now have everyone it waits for.
    func membershipChanged(_ group: ConsumerGroup) {
        switch group.state {
        case .stable, .completingRebalance:
            prepareRebalance(group)
            tryCompleteJoin(group)
        case .preparingRebalance:
            tryCompleteJoin(group)
        case .empty, .dead:
            break
        }
    }

    /// Appends records without waiting for the fsync: for state whose loss in a crash is
    /// harmless because clients recover it anyway (a generation bump of an emptied group).
    /// The next fsync (any commit, or `close`) makes it durable.
    func appendBestEffort(_ records: [GroupRecord], for group: ConsumerGroup) {
        do {
            _ = try store.append(records, timestampMilliseconds: wallClockMilliseconds())
            group.hasPersistedMetadata = true
        } catch {
            // Nothing to answer: the state in memory stays right, and the next write of this
            // group's metadata (after its next rebalance) carries it.
        }
    }

    /// Extends a member's session: any request from it proves it is alive.
    func touch(_ group: ConsumerGroup, _ memberID: String) {
        let now = now()
        group.withMember(memberID) { m in m.sessionDeadline = now + m.sessionTimeout }
    }
}
