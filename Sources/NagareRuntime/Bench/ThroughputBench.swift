import Foundation
import NagareCore
import NagareKafka

/// Throughput of one exactly-once job over preloaded events.
///
/// Back of the envelope (2 cores, broker on the same machine): `nagare run` spends ~4-7 µs of
/// CPU per event (JSON, dedup, enrichment, window, the produced records, one transaction per
/// batch; about a third of it in librdkafka) and the broker ~0.8-2 µs serving the fetch and the
/// appends: 170,000 to 310,000 events/s, with this VM's speed. quixstreams runs each event
/// through Python and RocksDB, tens of µs to ~200 µs per event on one core: 5,000-30,000
/// events/s.
///
/// How: the events go into the input topic first (not timed); then the job starts and the clock
/// runs until its consumer group's committed offsets reach the input's end offsets, polled every
/// 50 ms with ListConsumerGroupOffsets. CPU seconds come from /proc for the job's process (last
/// sample before the offsets were seen complete) and for the broker (over the same interval).
struct ThroughputBench {
    let processes: BenchProcesses
    let brokers: String
    let brokerPID: Int32

    /// Produces `events` to `topic` and returns its end offsets once they hold all of them.
    func preload(_ events: [(key: String, value: String)], topic: String) async throws -> [TopicPartition: Offset] {
        let producer = try BenchKafka.producer(brokers: brokers)
        for e in events {
            try await producer.produce(OutgoingRecord(topic: topic, key: e.key, value: e.value))
        }
        try await producer.close(timeout: .seconds(300))
        return try await BenchKafka.endOffsets(topic, atLeast: events.count, brokers: brokers)
    }

    /// Runs `program arguments` until `groupID` has committed `ends`; the job is stopped after.
    func run(name: String, program: String, arguments: [String], log: String, groupID: String,
             ends: [TopicPartition: Offset], events: Int, timeout: Duration) async throws -> BenchReport.Job {
        let admin = try Admin(configuration: ClientConfiguration(brokers: brokers))
        defer { admin.close() }
        let brokerBefore = ProcessCPU.seconds(pid: brokerPID) ?? 0
        let start = ContinuousClock.now
        let job = try processes.start(program, arguments, log: log)
        var jobCPU = 0.0
        // The first poll that sees any committed progress: from there on the job is past its
        // start-up (process start, transactions initialised, group joined, tables loaded) and
        // its first commit interval.
        var firstProgress: (at: ContinuousClock.Instant, events: Int64, jobCPU: Double)?
        let elapsed: Duration
        do {
            while true {
                guard job.isRunning else {
                    throw BenchError("\(name) exited before it had processed its input (see \(job.logFile))")
                }
                if ContinuousClock.now - start > timeout {
                    throw BenchError("\(name) did not process \(events) events within \(timeout) (see \(job.logFile))")
                }
                jobCPU = ProcessCPU.seconds(pid: job.pid) ?? jobCPU
                let committed = (try? await admin.groupOffsets(groupID, partitions: Array(ends.keys))) ?? [:]
                let done = committed.values.reduce(Int64(0)) { $0 + $1.rawValue }
                if firstProgress == nil && done > 0 { firstProgress = (ContinuousClock.now, done, jobCPU) }
                if ends.allSatisfy({ tp, end in (committed[tp]?.rawValue ?? -1) >= end.rawValue }) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            elapsed = ContinuousClock.now - start
        } catch {
            await processes.stop(job)
            throw error
        }
        let brokerCPU = (ProcessCPU.seconds(pid: brokerPID) ?? brokerBefore) - brokerBefore
        await processes.stop(job)
        let seconds = elapsed.benchSeconds
        let millions = Double(events) / 1e6
        var figures = BenchReport.Job(name: name, events: events, seconds: seconds, eventsPerSecond: Double(events) / seconds,
                                  jobCPUSecondsPerMillion: jobCPU / millions, brokerCPUSecondsPerMillion: brokerCPU / millions)
        if let first = firstProgress, Int64(events) > first.events {
            let rest = Double(Int64(events) - first.events)
            let startup = (first.at - start).benchSeconds
            figures.startupSeconds = startup
            figures.steadyEventsPerSecond = rest / max(seconds - startup, 1e-9)
            figures.steadyJobCPUSecondsPerMillion = (jobCPU - first.jobCPU) / rest * 1e6
        }
        return figures
    }
}

/// The throughput runs' input: access-log events of the example's sites and address ranges, keyed
/// by site id, event time advancing 6 ms per event (1M events ≈ 100 minutes of windows), 5% of
/// them repeating one of the last 50 events (what dedup removes). Deterministic.
enum ThroughputEvents {
    static let startMilliseconds: Int64 = 1_795_302_000_000  // 2026-11-21T23:00:00Z

    static func generate(count: Int, tables: DemoExampleTables) -> [(key: String, value: String)] {
        var factory = AccessLogEventFactory(tables: tables, runID: "bench", seed: 5)
        var out: [(key: String, value: String)] = []
        out.reserveCapacity(count)
        var recent: [(key: String, value: String)] = []
        for i in 0..<count {
            if !recent.isEmpty && factory.random.chance(0.05) {
                out.append(factory.random.pick(recent))
                continue
            }
            let e = factory.event(timeMilliseconds: startMilliseconds + Int64(i) * 6 + Int64(factory.random.below(6)))
            out.append((e.key, e.value))
            if recent.count == 50 { recent.removeFirst() }
            recent.append((e.key, e.value))
        }
        return out
    }
}
