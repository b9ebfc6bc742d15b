import Foundation
@testable import NagareBroker
import NagareCore
import NagareWire
import Synchronization
import Testing

/// Records the markers the coordinator asks for; can be told to fail, as a full disk would.
final class RecordingMarkerWriter: TransactionMarkerWriter {
    struct Marker: Hashable, Sendable {
        var producerID: Int64
        var producerEpoch: Int16
        var commit: Bool
        var partitions: [TopicPartition]
    }

    let written = Mutex<[Marker]>([])
    let isFailing = Mutex(false)

    func writeMarkers(producerID: Int64, producerEpoch: Int16, commit: Bool, partitions: [TopicPartition]) async -> Bool {
        if isFailing.withLock({ $0 }) { return false }
        written.withLock { $0.append(Marker(producerID: producerID, producerEpoch: producerEpoch, commit: commit, partitions: partitions)) }
        return true
    }

    var markers: [Marker] { written.withLock { $0 } }
}

/// A counter shared with the coordinator's closures (a `Mutex` itself cannot be captured).
final class SharedCounter: Sendable {
    let value: Mutex<Int64>
    init(_ start: Int64) { value = Mutex(start) }
    func get() -> Int64 { value.withLock { $0 } }
    func add(_ n: Int64) { value.withLock { $0 += n } }
    func next() -> Int64 { value.withLock { v in defer { v += 1 }; return v } }
}

/// A coordinator over a fresh directory, a manual wall clock and a recording marker writer.
final class TransactionFixture: Sendable {
    let groupFixture = GroupFixture()
    let markers = RecordingMarkerWriter()
    let wallClock = SharedCounter(1_700_000_000_000)
    let nextProducerID = SharedCounter(1000)
    let groups: GroupCoordinator

    init() throws {
        groups = try groupFixture.open()
    }

    func open() throws -> TransactionCoordinator {
        var configuration = TransactionCoordinatorConfiguration()
        configuration.dataDirectory = groupFixture.directory
        let clock = wallClock
        let ids = nextProducerID
        return try TransactionCoordinator(
            configuration: configuration, markers: markers, groups: groups,
            allocateProducerID: { ids.next() },
            partitionExists: { $0.topic != "missing" }, now: { clock.get() })
    }

    func advance(milliseconds: Int64) { wallClock.add(milliseconds) }
    func cleanUp() { groupFixture.cleanUp() }
}

func initRequest(_ id: String, timeout: Int32 = 60_000) -> InitProducerIDRequest {
    InitProducerIDRequest(transactionalID: id, transactionTimeoutMilliseconds: timeout)
}

func add(_ c: TransactionCoordinator, _ id: String, _ r: InitProducerIDResponse, _ partitions: [Int32] = [0, 1],
         topic: String = "out", version: Int16 = 3) async -> [KafkaErrorCode] {
    let response = await c.addPartitions(AddPartitionsToTxnRequest(
        transactionalID: id, producerID: r.producerID, producerEpoch: r.producerEpoch,
        topics: [.init(name: topic, partitions: partitions)]), version: version)
    return response.results.flatMap { $0.resultsByPartition.map(\.partitionErrorCode) }
}

func end(_ c: TransactionCoordinator, _ id: String, _ r: InitProducerIDResponse, commit: Bool, version: Int16 = 3) async -> KafkaErrorCode {
    await c.endTxn(EndTxnRequest(transactionalID: id, producerID: r.producerID, producerEpoch: r.producerEpoch,
                                 committed: commit), version: version).errorCode
}

@Suite("Transaction coordinator: state machine")
struct TransactionCoordinatorTests {
    @Test("init, add partitions, commit: markers to every partition, then CompleteCommit; a retried EndTxn succeeds")
    func commit() async throws {
        let f = try TransactionFixture()
        defer { f.cleanUp() }
        let c = try f.open()
        let r = await c.initProducerID(initRequest("t"), version: 4)
        #expect(r.errorCode == .none && r.producerID == 1000 && r.producerEpoch == 0)
        #expect(await add(c, "t", r) == [.none, .none])
        #expect(await c.metadata("t")?.state == .ongoing)
        #expect(await end(c, "t", r, commit: true) == .none)
        #expect(f.markers.markers == [.init(producerID: 1000, producerEpoch: 0, commit: true,
                                            partitions: [TopicPartition("out", 0), TopicPartition("out", 1)])])
        #expect(await c.metadata("t")?.state == .completeCommit)
        #expect(await end(c, "t", r, commit: true) == .none)
        #expect(await end(c, "t", r, commit: false) == .invalidTxnState)
        #expect(f.markers.markers.count == 1)
    }

    @Test("a second InitProducerId fences the first: its open transaction is aborted at once with the new epoch")
    func fencing() async throws {
        let f = try TransactionFixture()
        defer { f.cleanUp() }
        let c = try f.open()
        let old = await c.initProducerID(initRequest("t"), version: 4)
        #expect(await add(c, "t", old) == [.none, .none])
        let new = await c.initProducerID(initRequest("t"), version: 4)
        #expect(new.errorCode == .none && new.producerID == old.producerID && new.producerEpoch == 1)
        #expect(f.markers.markers == [.init(producerID: old.producerID, producerEpoch: 1, commit: false,
                                            partitions: [TopicPartition("out", 0), TopicPartition("out", 1)])])
        #expect(await end(c, "t", old, commit: true) == .producerFenced)
        #expect(await end(c, "t", old, commit: true, version: 1) == .invalidProducerEpoch)
        #expect(await add(c, "t", old) == [.producerFenced, .producerFenced])
        #expect(await c.checkTxnOffsetCommit(transactionalID: "t", producerID: old.producerID,
                                             producerEpoch: old.producerEpoch, groupID: "g") == .invalidProducerEpoch)
        // KIP-360: a re-init naming the old epoch is a zombie.
        let zombie = await c.initProducerID(InitProducerIDRequest(transactionalID: "t", transactionTimeoutMilliseconds: 60_000,
                                                                  producerID: old.producerID, producerEpoch: old.producerEpoch), version: 4)
        #expect(zombie.errorCode == .producerFenced)
        // The new incarnation's own bump works.
        let bumped = await c.initProducerID(InitProducerIDRequest(transactionalID: "t", transactionTimeoutMilliseconds: 60_000,
                                                                  producerID: new.producerID, producerEpoch: new.producerEpoch), version: 4)
        #expect(bumped.errorCode == .none && bumped.producerEpoch == 2)
    }

    @Test("bad requests get Kafka's error codes")
    func errors() async throws {
        let f = try TransactionFixture()
        defer { f.cleanUp() }
        let c = try f.open()
        #expect(await c.initProducerID(initRequest("t", timeout: 1_000_000), version: 4).errorCode == .invalidTransactionTimeout)
        let r = await c.initProducerID(initRequest("t"), version: 4)
        #expect(await end(c, "t", r, commit: true) == .invalidTxnState)
        var wrong = r
        wrong.producerID += 1
        #expect(await add(c, "t", wrong) == [.invalidProducerIDMapping, .invalidProducerIDMapping])
        #expect(await add(c, "unknown", r) == [.invalidProducerIDMapping, .invalidProducerIDMapping])
        let mixed = await c.addPartitions(AddPartitionsToTxnRequest(
            transactionalID: "t", producerID: r.producerID, producerEpoch: r.producerEpoch,
            topics: [.init(name: "out", partitions: [0]), .init(name: "missing", partitions: [0])]), version: 3)
        #expect(mixed.results.map { $0.resultsByPartition[0].partitionErrorCode } == [.operationNotAttempted, .unknownTopicOrPartition])
        #expect(await c.metadata("t")?.state == .empty)
    }

    @Test("offsets: AddOffsetsToTxn admits TxnOffsetCommit; the commit makes them the group's")
    func offsets() async throws {
        let f = try TransactionFixture()
        defer { f.cleanUp() }
        let c = try f.open()
        let r = await c.initProducerID(initRequest("t"), version: 4)
        #expect(await c.checkTxnOffsetCommit(transactionalID: "t", producerID: r.producerID, producerEpoch: 0, groupID: "g") == .invalidTxnState)
        let added = await c.addOffsets(AddOffsetsToTxnRequest(transactionalID: "t", producerID: r.producerID,
                                                             producerEpoch: 0, groupID: "g"), version: 3)
        #expect(added.errorCode == .none)
        #expect(await c.checkTxnOffsetCommit(transactionalID: "t", producerID: r.producerID, producerEpoch: 0, groupID: "g") == .none)
        let staged = await f.groups.txnOffsetCommit(
            TxnOffsetCommitRequest(transactionalID: "t", groupID: "g", producerID: r.producerID, producerEpoch: 0,
                                   topics: [.init(name: "in", partitions: [.init(partitionIndex: 0, committedOffset: 42)])]),
            context: context(.txnOffsetCommit, version: 3))
        #expect(staged.topics[0].partitions[0].errorCode == .none)
        #expect(await f.groups.hasPendingTransactionalOffsets(groupID: "g"))
        #expect(await end(c, "t", r, commit: true) == .none)
        #expect(await !f.groups.hasPendingTransactionalOffsets(groupID: "g"))
        let fetched = await f.groups.offsetFetch(OffsetFetchRequest(groupID: "g", topics: [.init(name: "in", partitionIndexes: [0])]),
                                                 context: context(.offsetFetch, version: 7))
        #expect(fetched.topics[0].partitions[0].committedOffset == 42)
    }

    @Test("a transaction past its timeout is aborted by the sweep, with an epoch bump")
    func timeout() async throws {
        let f = try TransactionFixture()
        defer { f.cleanUp() }
        let c = try f.open()
        let r = await c.initProducerID(initRequest("t", timeout: 3000), version: 4)
        #expect(await add(c, "t", r) == [.none, .none])
        f.advance(milliseconds: 2000)
        await c.sweep()
        #expect(await c.metadata("t")?.state == .ongoing)
        f.advance(milliseconds: 1500)
        await c.sweep()
        #expect(await c.metadata("t")?.state == .completeAbort)
        #expect(f.markers.markers.map(\.commit) == [false])
        #expect(f.markers.markers.map(\.producerEpoch) == [1])
        #expect(await end(c, "t", r, commit: true) == .producerFenced)
    }
}

@Suite("Transaction coordinator: recovery")
struct TransactionRecoveryTests {
    @Test("a decided transaction whose markers failed is completed after a restart; an open one comes back and times out")
    func restart() async throws {
        let f = try TransactionFixture()
        defer { f.cleanUp() }
        let c = try f.open()
        let a = await c.initProducerID(initRequest("prepared"), version: 4)
        let b = await c.initProducerID(initRequest("open", timeout: 5000), version: 4)
        #expect(await add(c, "prepared", a) == [.none, .none])
        #expect(await add(c, "open", b, [2]) == [.none])
        f.markers.isFailing.withLock { $0 = true }
        #expect(await end(c, "prepared", a, commit: true) == .coordinatorNotAvailable)
        #expect(await c.metadata("prepared")?.state == .prepareCommit)
        #expect(await end(c, "prepared", a, commit: true) == .concurrentTransactions)
        #expect(await c.close() == nil)  // the "crash": nothing more is written

        f.markers.isFailing.withLock { $0 = false }
        let restarted = try f.open()
        #expect(await restarted.metadata("prepared")?.state == .prepareCommit)
        #expect(await restarted.metadata("open")?.state == .ongoing)
        await restarted.completePreparedTransactions()
        #expect(await restarted.metadata("prepared")?.state == .completeCommit)
        #expect(f.markers.markers == [.init(producerID: a.producerID, producerEpoch: 0, commit: true,
                                            partitions: [TopicPartition("out", 0), TopicPartition("out", 1)])])
        // The open transaction's start time survived: it times out 5 s after it began.
        f.advance(milliseconds: 5001)
        await restarted.sweep()
        #expect(await restarted.metadata("open")?.state == .completeAbort)
        #expect(f.markers.markers.last == .init(producerID: b.producerID, producerEpoch: 1, commit: false,
                                                partitions: [TopicPartition("out", 2)]))
        // The committed producer carries on after the restart.
        #expect(await end(restarted, "prepared", a, commit: true) == .none)
        let next = await restarted.initProducerID(initRequest("prepared"), version: 4)
        #expect(next.producerID == a.producerID && next.producerEpoch == 1)
    }

    @Test("transaction records round-trip")
    func recordFormat() throws {
        var m = TransactionMetadata(transactionalID: "tx-é", producerID: 77, producerEpoch: 3, lastProducerEpoch: 2,
                                    timeoutMilliseconds: 9000, state: .prepareAbort, startTimestampMilliseconds: 123)
        m.partitions = [TopicPartition("a", 1), TopicPartition("b", 0)]
        m.groupIDs = ["g1", "g2"]
        let decoded = try TransactionRecord.decode(key: TransactionRecord.key(m.transactionalID), value: TransactionRecord.value(m))
        #expect(decoded == m)
        #expect(try TransactionRecord.decode(key: [0, 9, 0, 1, 0x41], value: []) == nil)
    }
}
