@testable import NagareHTTP
import Testing

@Suite struct LiveBroadcasterTests {
    @Test func everySubscriberGetsEachCommit() async throws {
        let live = LiveBroadcaster()
        let a = try #require(live.subscribe())
        let b = try #require(live.subscribe())
        live.publish(LiveCommit(datasource: "ds", rows: 3, newestTimestampMilliseconds: 1_000))
        live.finish()
        var seenA: [LiveCommit] = []
        for await commit in a { seenA.append(commit) }
        var seenB: [LiveCommit] = []
        for await commit in b { seenB.append(commit) }
        #expect(seenA == [LiveCommit(datasource: "ds", rows: 3, newestTimestampMilliseconds: 1_000)])
        #expect(seenB == seenA)
    }

    @Test func aSlowSubscriberKeepsOnlyTheNewestCommits() async {
        let live = LiveBroadcaster(bufferPerSubscriber: 2)
        guard let stream = live.subscribe() else { Issue.record("refused"); return }
        for rows in 1...5 { live.publish(LiveCommit(datasource: "ds", rows: rows, newestTimestampMilliseconds: nil)) }
        live.finish()
        var rows: [Int] = []
        for await commit in stream { rows.append(commit.rows) }
        #expect(rows == [4, 5])
    }

    @Test func subscribersAreBoundedAndLeaveWhenDropped() {
        let live = LiveBroadcaster(maxSubscribers: 2)
        var first = live.subscribe()
        let second = live.subscribe()
        #expect(first != nil && second != nil)
        #expect(live.subscribe() == nil)
        first = nil
        #expect(live.subscriberCount == 1)
        #expect(live.subscribe() != nil)
        _ = second
    }

    @Test func afterFinishNoStreamIsOpened() {
        let live = LiveBroadcaster()
        live.finish()
        #expect(live.subscribe() == nil)
    }

    @Test func commitJSONEscapesTheName() {
        let commit = LiveCommit(datasource: #"a"b"#, rows: 2, newestTimestampMilliseconds: nil)
        #expect(commit.json == #"{"datasource":"a\"b","rows":2,"newestTimestamp":null}"#)
    }
}
