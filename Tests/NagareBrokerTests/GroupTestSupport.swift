import Foundation
import NagareBroker
import NagareWire
import Synchronization
import Testing

/// A clock the test moves by hand, so that session and rebalance deadlines pass exactly when
/// the test says, without sleeping.
final class ManualClock: Sendable {
    private let base = ContinuousClock.now
    private let elapsed = Mutex<Duration>(.zero)

    func now() -> ContinuousClock.Instant { base + elapsed.withLock { $0 } }
    func advance(by duration: Duration) { elapsed.withLock { $0 += duration } }
}

/// A coordinator on a fresh data directory under /tmp, removed by `cleanUp()`.
struct GroupFixture {
    let directory: String
    let clock = ManualClock()
    var configuration: GroupCoordinatorConfiguration

    init(initialRebalanceDelayMilliseconds: Int = 0) {
        directory = "/tmp/nagare-group-tests-\(UUID().uuidString)"
        configuration = GroupCoordinatorConfiguration()
        configuration.dataDirectory = directory
        configuration.initialRebalanceDelayMilliseconds = initialRebalanceDelayMilliseconds
    }

    func open() throws -> GroupCoordinator {
        let clock = self.clock
        return try GroupCoordinator(configuration: configuration, now: { clock.now() })
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

func context(_ api: ApiKey, version: Int16, clientID: String = "test-client") -> RequestContext {
    RequestContext(
        header: RequestHeader(apiKey: api, apiVersion: version, correlationID: 1, clientID: clientID),
        clientHost: "/127.0.0.1", connectionID: 1)
}

let rangeProtocol = JoinGroupRequest.GroupProtocol(name: "range", metadata: Array("subscription".utf8))

func joinRequest(_ groupID: String, memberID: String = "", instanceID: String? = nil,
                 sessionMilliseconds: Int32 = 10_000, rebalanceMilliseconds: Int32 = 5_000,
                 protocols: [JoinGroupRequest.GroupProtocol] = [rangeProtocol]) -> JoinGroupRequest {
    JoinGroupRequest(groupID: groupID, sessionTimeoutMilliseconds: sessionMilliseconds,
                     rebalanceTimeoutMilliseconds: rebalanceMilliseconds, memberID: memberID,
                     groupInstanceID: instanceID, protocolType: "consumer", protocols: protocols)
}

/// JoinGroup v5 as a modern client does it: the first answer is MEMBER_ID_REQUIRED with the
/// id to use; the second join (which may suspend) gets the generation.
func join(_ coordinator: GroupCoordinator, _ groupID: String, clientID: String = "test-client",
          sessionMilliseconds: Int32 = 10_000) async -> JoinGroupResponse {
    let first = await coordinator.joinGroup(joinRequest(groupID, sessionMilliseconds: sessionMilliseconds),
                                            context: context(.joinGroup, version: 5, clientID: clientID))
    #expect(first.errorCode == .memberIDRequired)
    return await coordinator.joinGroup(
        joinRequest(groupID, memberID: first.memberID, sessionMilliseconds: sessionMilliseconds),
        context: context(.joinGroup, version: 5, clientID: clientID))
}

func rejoin(_ coordinator: GroupCoordinator, _ groupID: String, memberID: String) async -> JoinGroupResponse {
    await coordinator.joinGroup(joinRequest(groupID, memberID: memberID), context: context(.joinGroup, version: 5))
}

func sync(_ coordinator: GroupCoordinator, _ groupID: String, _ joined: JoinGroupResponse,
          assignments: [String: String] = [:]) async -> SyncGroupResponse {
    let request = SyncGroupRequest(
        groupID: groupID, generationID: joined.generationID, memberID: joined.memberID,
        assignments: assignments.sorted { $0.key < $1.key }.map { .init(memberID: $0.key, assignment: Array($0.value.utf8)) })
    return await coordinator.syncGroup(request, context: context(.syncGroup, version: 4))
}

func heartbeat(_ coordinator: GroupCoordinator, _ groupID: String, _ joined: JoinGroupResponse) async -> KafkaErrorCode {
    await coordinator.heartbeat(
        HeartbeatRequest(groupID: groupID, generationID: joined.generationID, memberID: joined.memberID),
        context: context(.heartbeat, version: 4)).errorCode
}

func describe(_ coordinator: GroupCoordinator, _ groupID: String) async -> DescribeGroupsResponse.Group {
    await coordinator.describeGroups(DescribeGroupsRequest(groups: [groupID]), context: context(.describeGroups, version: 5)).groups[0]
}

/// Polls until `condition` holds (at most about two seconds): for waiting until a request
/// started in another task has reached the coordinator. Never a timing assertion.
func eventually(_ condition: () async -> Bool) async throws {
    for _ in 0..<400 {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    Issue.record("condition not reached")
}

/// A one-member group, joined and synced: the common start of many tests.
func stableSingleMemberGroup(_ coordinator: GroupCoordinator, _ groupID: String) async -> JoinGroupResponse {
    let joined = await join(coordinator, groupID)
    let synced = await sync(coordinator, groupID, joined, assignments: [joined.memberID: "all"])
    #expect(synced.errorCode == .none)
    return joined
}

func commit(_ coordinator: GroupCoordinator, _ groupID: String, generationID: Int32, memberID: String,
            _ offsets: [(String, Int32, Int64)], metadata: String? = nil, version: Int16 = 8) async -> [KafkaErrorCode] {
    let byTopic = Dictionary(grouping: offsets, by: \.0)
    let request = OffsetCommitRequest(
        groupID: groupID, generationID: generationID, memberID: memberID,
        topics: byTopic.keys.sorted().map { name in
            .init(name: name, partitions: byTopic[name]!.map {
                .init(partitionIndex: $0.1, committedOffset: $0.2, committedLeaderEpoch: 7, committedMetadata: metadata)
            })
        })
    let response = await coordinator.offsetCommit(request, context: context(.offsetCommit, version: version))
    return response.topics.flatMap { $0.partitions.map(\.errorCode) }
}

/// Committed offsets by "topic-partition" for the requested partitions (nil: all).
func fetch(_ coordinator: GroupCoordinator, _ groupID: String, _ partitions: [(String, Int32)]?,
           requireStable: Bool = false) async -> [String: OffsetFetchResponse.Partition] {
    let topics = partitions.map { list in
        Dictionary(grouping: list, by: \.0).sorted { $0.key < $1.key }.map {
            OffsetFetchRequest.Topic(name: $0.key, partitionIndexes: $0.value.map(\.1))
        }
    }
    let response = await coordinator.offsetFetch(
        OffsetFetchRequest(groupID: groupID, topics: topics, requireStable: requireStable),
        context: context(.offsetFetch, version: 7))
    #expect(response.errorCode == .none)
    var result: [String: OffsetFetchResponse.Partition] = [:]
    for t in response.topics {
        for p in t.partitions { result["\(t.name)-\(p.partitionIndex)"] = p }
    }
    return result
}

/// Several members joining one rebalance, as a fleet starting together does: each first gets
/// its member id (MEMBER_ID_REQUIRED), then all rejoin concurrently. Because the rebalance
/// waits for members told MEMBER_ID_REQUIRED, they all land in the same generation whatever
/// order the rejoins arrive in. Responses come back in `clients` order.
func joinTogether(_ coordinator: GroupCoordinator, _ groupID: String, clients: [String],
                  sessionMilliseconds: Int32 = 10_000,
                  protocols: [[JoinGroupRequest.GroupProtocol]]? = nil) async -> [JoinGroupResponse] {
    var ids: [String] = []
    for (i, client) in clients.enumerated() {
        let first = await coordinator.joinGroup(
            joinRequest(groupID, sessionMilliseconds: sessionMilliseconds, protocols: protocols?[i] ?? [rangeProtocol]),
            context: context(.joinGroup, version: 5, clientID: client))
        #expect(first.errorCode == .memberIDRequired)
        ids.append(first.memberID)
    }
    let memberIDs = ids
    return await withTaskGroup(of: (Int, JoinGroupResponse).self) { tasks in
        for (i, client) in clients.enumerated() {
            tasks.addTask {
                (i, await coordinator.joinGroup(
                    joinRequest(groupID, memberID: memberIDs[i], sessionMilliseconds: sessionMilliseconds,
                                protocols: protocols?[i] ?? [rangeProtocol]),
                    context: context(.joinGroup, version: 5, clientID: client)))
            }
        }
        var responses = [JoinGroupResponse?](repeating: nil, count: clients.count)
        for await (i, response) in tasks { responses[i] = response }
        return responses.map { $0! }
    }
}

/// Two members joined and synced into a Stable group; returns (first, second).
func stableTwoMemberGroup(_ coordinator: GroupCoordinator, _ groupID: String,
                          sessionMilliseconds: Int32 = 10_000) async -> (JoinGroupResponse, JoinGroupResponse) {
    let joined = await joinTogether(coordinator, groupID, clients: ["a", "b"], sessionMilliseconds: sessionMilliseconds)
    let leader = joined.first { $0.memberID == $0.leader }!
    let synced = await sync(coordinator, groupID, leader, assignments: [joined[0].memberID: "1", joined[1].memberID: "2"])
    #expect(synced.errorCode == .none)
    return (joined[0], joined[1])
}
