import Foundation
@testable import NagareHTTP
import Testing

@Suite struct PipelineHealthHistoryTests {
    typealias Status = PipelineHealthHistory.Status

    static func status(startedAt: String = "2026-01-01T00:00:00Z", input: Int, dead: Int = 0, lag: Int64 = 0) -> Status {
        Status(
            pipeline: "p", instance: "1", state: "running", startedAt: startedAt,
            partitions: [.init(topic: "t", partition: 0, committedOffset: 10, endOffset: 10 + lag, lag: lag)],
            lastBatch: .init(inputRecords: 5, processingTimeMs: 12.5, delayMs: 40, completedAt: "x"),
            totals: .init(batches: 1, abortedBatches: 0, inputRecords: input, deadLetters: dead))
    }

    @Test func inputRateIsTheTotalsDeltaOverTheInterval() {
        var h = PipelineHealthHistory(url: "u")
        h.record(Self.status(input: 100), at: 10_000)
        h.record(Self.status(input: 600, dead: 2, lag: 7), at: 12_000)
        #expect(h.samples.map(\.inputRate) == [nil, 250])
        #expect(h.samples.last?.lag == ["t-0": 7])
        #expect(h.samples.last?.deadLetters == 2)
        #expect(h.samples.last?.processingTimeMs == 12.5)
        #expect(h.samples.last?.delayMs == 40)
        #expect(h.markers.isEmpty)
        #expect(h.isReachable)
    }

    @Test func aNewStartTimeIsARestartMarkerAndNoRate() {
        var h = PipelineHealthHistory(url: "u")
        h.record(Self.status(input: 100), at: 1_000)
        h.recordFailure("pipeline unreachable: refused", at: 2_000)
        #expect(!h.isReachable)
        #expect(h.error == "pipeline unreachable: refused")
        h.record(Self.status(startedAt: "2026-01-01T00:05:00Z", input: 3), at: 3_000)
        #expect(h.isReachable)
        #expect(h.markers.map(\.t) == [3_000])
        #expect(h.markers.first?.kind == "restart")
        #expect(h.markers.first?.detail.contains("2026-01-01T00:05:00Z") == true)
        #expect(h.samples.last?.inputRate == nil)
    }

    @Test func aRestartWithAnotherBinaryIsADeploy() {
        var h = PipelineHealthHistory(url: "u")
        var old = Self.status(input: 100)
        old.build = "100-1"
        h.record(old, at: 1_000)
        var same = Self.status(startedAt: "2026-01-01T00:01:00Z", input: 5)
        same.build = "100-1"
        h.record(same, at: 2_000)
        var new = Self.status(startedAt: "2026-01-01T00:02:00Z", input: 5)
        new.build = "120-9"
        h.record(new, at: 3_000)
        #expect(h.markers.map(\.kind) == ["restart", "deploy"])
        #expect(h.markers.last?.detail.contains("new binary 120-9") == true)
    }

    @Test func aGapAfterAFailureHasNoRate() {
        var h = PipelineHealthHistory(url: "u")
        h.record(Self.status(input: 100), at: 1_000)
        h.recordFailure("timeout", at: 2_000)
        h.record(Self.status(input: 200), at: 3_000)
        #expect(h.samples.last?.inputRate == nil)
        h.record(Self.status(input: 300), at: 4_000)
        #expect(h.samples.last?.inputRate == 100)
    }

    @Test func historyAndMarkersAreBounded() {
        var h = PipelineHealthHistory(url: "u", maxSamples: 3, maxMarkers: 2)
        for i in 0..<10 { h.record(Self.status(startedAt: "s\(i)", input: i), at: Int64(i) * 1000) }
        #expect(h.samples.map(\.t) == [7_000, 8_000, 9_000])
        #expect(h.markers.map(\.t) == [8_000, 9_000])
    }

    @Test func statusURLs() {
        #expect(PipelineHealthMonitor.statusURL("http://h:1") == "http://h:1/status")
        #expect(PipelineHealthMonitor.statusURL("http://h:1/") == "http://h:1/status")
        #expect(PipelineHealthMonitor.statusURL("http://h:1/status") == "http://h:1/status")
        // A token in the URL is taken out (sent as a header, never shown in the history).
        let target = PipelineHealthMonitor.statusTarget("http://h:1?token=s3cret")
        #expect(target.url == "http://h:1/status" && target.token == "s3cret")
        #expect(PipelineHealthMonitor.statusTarget("http://h:1/status?a=b&token=t").url == "http://h:1/status?a=b")
        #expect(PipelineHealthMonitor.problem(with: "http://127.0.0.1:9090") == nil)
        #expect(PipelineHealthMonitor.problem(with: "127.0.0.1:9090")?.contains("not an http:// URL") == true)
        #expect(PipelineHealthMonitor.problem(with: "ftp://h/x") != nil)
    }

    @Test func statusDecodesFromWhatRunServes() throws {
        var totals = PipelineStatusReport.Totals()
        totals.inputRecords = 42
        totals.deadLetters = 3
        let report = PipelineStatusReport(
            pipeline: "access-logs", instance: "1", group: "g", state: "running", startedAt: "2026-01-01T00:00:00Z",
            uptimeSeconds: 1, partitions: [.init(topic: "t", partition: 2, committedOffset: nil, endOffset: 9)],
            lastBatch: nil, totals: totals)
        let decoded = try JSONDecoder().decode(Status.self, from: JSONEncoder().encode(report))
        #expect(decoded.pipeline == "access-logs")
        #expect(decoded.totals.inputRecords == 42 && decoded.totals.deadLetters == 3)
        #expect(decoded.partitions.first?.lag == nil && decoded.partitions.first?.endOffset == 9)
        #expect(decoded.lastBatch == nil)
    }
}
