import Foundation
@testable import NagareBroker
import NagareCore
import NagareLog
import Synchronization
import Testing

/// A flush that the test holds back per partition until it lets it go, returning the durable
/// end the test had set when the flush started.
private final class HeldFlushes: Sendable {
    private struct State {
        var held: Set<String> = []
        var ends: [String: Int64] = [:]
        var calls: [String] = []
        var failing: Set<String> = []
    }
    private let state = Mutex(State())

    func hold(_ name: String) { state.withLock { _ = $0.held.insert(name) } }
    func release(_ name: String) { state.withLock { _ = $0.held.remove(name) } }
    func setEnd(_ name: String, _ end: Int64) { state.withLock { $0.ends[name] = end } }
    func fail(_ name: String) { state.withLock { _ = $0.failing.insert(name) } }
    func calls(_ name: String) -> Int { state.withLock { $0.calls.filter { $0 == name }.count } }
    var callOrder: [String] { state.withLock { $0.calls } }

    func flush(_ partition: PartitionState) throws -> Offset {
        let name = partition.topicPartition.topic
        // Like a log's flush: durable through the end as of its start.
        let (end, failing) = state.withLock { s in
            s.calls.append(name)
            return (s.ends[name] ?? 0, s.failing.contains(name))
        }
        while state.withLock({ $0.held.contains(name) }) { usleep(1000) }
        if failing { throw LogError(.io, "fsync of \(name): injected failure") }
        return Offset(end)
    }
}

/// Waits (polling) until `condition` holds or about ten seconds pass.
private func eventually(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<10_000 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return condition()
}

@Suite("Group commit")
struct GroupCommitTests {
    let directory = "/tmp/nagare-group-commit-tests-\(UUID().uuidString)"

    func partition(_ topic: String) throws -> PartitionState {
        try PartitionState(log: PartitionLog(topicPartition: TopicPartition(topic, 0), dataDirectory: directory))
    }

    @Test("a partition's flush does not wait for another partition's flush that is still running")
    func partitionsFlushIndependently() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let flushes = HeldFlushes()
        let commit = GroupCommit(lingerMilliseconds: 0, flushLog: flushes.flush, onDurable: {})
        let big = try partition("big"), small = try partition("small")
        flushes.setEnd("big", 10)
        flushes.setEnd("small", 3)
        flushes.hold("big")

        let bigDone = Atomic(false)
        let bigWait = Task {
            try await commit.waitUntilDurable(big, through: Offset(10))
            bigDone.store(true, ordering: .relaxed)
        }
        #expect(await eventually { flushes.calls("big") == 1 })
        // The big partition's fsync is running (held); the small one's completes meanwhile.
        let smallDone = Atomic(false)
        let smallWait = Task {
            try await commit.waitUntilDurable(small, through: Offset(3))
            smallDone.store(true, ordering: .relaxed)
        }
        let smallFinishedFirst = await eventually { smallDone.load(ordering: .relaxed) }
        #expect(smallFinishedFirst)
        #expect(small.highWatermark == Offset(3))
        let bigFinished = bigDone.load(ordering: .relaxed)
        #expect(!bigFinished)
        #expect(big.highWatermark == Offset(0))

        flushes.release("big")
        try await smallWait.value
        try await bigWait.value
        #expect(big.highWatermark == Offset(10))
        #expect(commit.fsyncCount == 2)
    }

    @Test("requests that arrive while a partition's flush runs share its next flush")
    func requestsDuringAFlushShareTheNext() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let flushes = HeldFlushes()
        let commit = GroupCommit(lingerMilliseconds: 0, flushLog: flushes.flush, onDurable: {})
        let p = try partition("events")
        flushes.setEnd("events", 1)
        flushes.hold("events")
        let first = Task { try await commit.waitUntilDurable(p, through: Offset(1)) }
        #expect(await eventually { flushes.calls("events") == 1 })

        // Appended after the running flush started: not covered by it.
        flushes.setEnd("events", 20)
        let later = (2...20).map { end in Task { try await commit.waitUntilDurable(p, through: Offset(Int64(end))) } }
        for _ in 0..<5 { commit.requestFlush(p) }
        // Every waiter (the first one's too) registered before the running flush ends.
        let registered = await eventually { commit.waiterCount(p) == 20 }
        #expect(registered)
        flushes.release("events")

        try await first.value
        for t in later { try await t.value }
        #expect(p.highWatermark == Offset(20))
        #expect(flushes.calls("events") == 2)
        #expect(commit.fsyncCount == 2)
    }

    @Test("a failed flush fails its waiters and makes nothing durable; a later flush of the partition succeeds")
    func aFailedFlushFailsItsWaiters() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let flushes = HeldFlushes()
        let commit = GroupCommit(lingerMilliseconds: 0, flushLog: flushes.flush, onDurable: {})
        let p = try partition("events")
        flushes.setEnd("events", 5)
        flushes.fail("events")
        await #expect(throws: LogError.self) { try await commit.waitUntilDurable(p, through: Offset(5)) }
        #expect(p.highWatermark == Offset(0))
        #expect(commit.fsyncCount == 0)

        let healthy = HeldFlushes()
        healthy.setEnd("events", 5)
        let again = GroupCommit(lingerMilliseconds: 0, flushLog: healthy.flush, onDurable: {})
        try await again.waitUntilDurable(p, through: Offset(5))
        #expect(p.highWatermark == Offset(5))
    }

    @Test("many partitions asking at once are all flushed, at most the allowed number at a time")
    func boundedConcurrency() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let running = Atomic(0), most = Atomic(0)
        let commit = GroupCommit(lingerMilliseconds: 0, maxConcurrentFlushes: 3, flushLog: { _ in
            let now = running.wrappingAdd(1, ordering: .relaxed).newValue
            var seen = most.load(ordering: .relaxed)
            while now > seen {
                let (done, current) = most.compareExchange(expected: seen, desired: now, ordering: .relaxed)
                if done { break }
                seen = current
            }
            usleep(5000)
            running.wrappingSubtract(1, ordering: .relaxed)
            return Offset(1)
        }, onDurable: {})
        let partitions = try (0..<12).map { try partition("t\($0)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for p in partitions { group.addTask { try await commit.waitUntilDurable(p, through: Offset(1)) } }
            try await group.waitForAll()
        }
        #expect(partitions.allSatisfy { $0.highWatermark == Offset(1) })
        #expect(commit.fsyncCount == 12)
        #expect(most.load(ordering: .relaxed) <= 3)
        #expect(most.load(ordering: .relaxed) >= 2)
    }
}
