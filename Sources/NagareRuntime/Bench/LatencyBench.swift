import Foundation
import NagareCore
import NagareKafka

/// End-to-end latency at a fixed rate: from the moment an event is due to be sent until a query
/// of the store (`nagare serve`, POST /druid/v2) counts it.
///
/// Back of the envelope: the producer lingers up to 5 ms; `nagare run` commits a transaction
/// every 100 ms (commitInterval), and its output becomes readable when the commit marker is on
/// disk (an fsync, ~1 ms here); the store's read_committed consumer fetches it (fetch wait up to
/// ~100 ms when idle) and commits an ingest step to SQLite. Expect ~100-300 ms at p50 and a p99
/// bounded by a couple of commit intervals plus fsync and SQLite stalls.
///
/// Design, without coordinated omission: event i is due at `t0 + i / rate`, whether or not the
/// producer is on time (if it falls behind it sends what is due at once, and the wait counts).
/// Events are grouped in numbered slots of `slotMilliseconds`; each slot's events carry its
/// marker `b<slot>` in the `sport` field, a dimension of the example datasource. A poller asks
/// the store every `pollMilliseconds` for the counts of the markers of the slots not yet
/// complete (a groupBy on `sport` with an `in` filter); the first answer in which a slot's count
/// equals the number of events sent in it is the slot's visibility time (the answer's arrival,
/// so never early). Each event's latency is its slot's visibility time minus the event's own due
/// time, recorded in an HdrHistogram. Resolution: the poll interval plus a query's duration.
struct LatencyBench {
    let brokers: String
    let storeURL: String
    let datasource: String
    let tables: DemoExampleTables
    let rate: Int
    let durationSeconds: Int
    let slotMilliseconds: Int
    let pollMilliseconds: Int

    var total: Int { rate * durationSeconds }
    var perSlot: Int { max(1, rate * slotMilliseconds / 1000) }
    var slots: Int { (total + perSlot - 1) / perSlot }

    func expected(slot: Int) -> Int { min(total, (slot + 1) * perSlot) - slot * perSlot }

    func run(progress: @Sendable (String) -> Void) async throws -> BenchReport.Latency {
        // The default producer: idempotent, acks=all, lingering 5 ms, as an application sends.
        let producer = try Producer(configuration: ProducerConfiguration(client: try ClientConfiguration(brokers: brokers)))
        do {
            let result = try await measure(producer: producer, progress: progress)
            try? await producer.close(timeout: .seconds(10))
            return result
        } catch {
            try? await producer.close(timeout: .seconds(10))
            throw error
        }
    }

    private func measure(producer: Producer, progress: @Sendable (String) -> Void) async throws -> BenchReport.Latency {
        var factory = AccessLogEventFactory(tables: tables, runID: "latency", seed: 7)

        // Warm-up: the pipeline's group and the store's consumer are assigned and have fetched
        // once before the clock starts.
        for _ in 0..<10 { try await producer.produce(record(&factory, marker: "warmup")) }
        try await producer.flush(timeout: .seconds(60))
        let warmDeadline = ContinuousClock.now + .seconds(120)
        while (try? await counts(of: ["warmup"]))?["warmup"] ?? 0 < 10 {
            if ContinuousClock.now >= warmDeadline {
                throw BenchError("latency: the store did not show the 10 warm-up events within 120 s")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        progress("latency: warmed up; \(total) events at \(rate)/s for \(durationSeconds) s")

        let t0 = ContinuousClock.now + .milliseconds(50)
        let nanosecondsPerEvent = 1e9 / Double(rate)
        func due(_ i: Int) -> ContinuousClock.Instant { t0 + .nanoseconds(Int64(Double(i) * nanosecondsPerEvent)) }

        let poller = Task { try await poll(t0: t0, due: due) }
        var finished = t0
        do {
            for i in 0..<total {
                let d = due(i)
                if ContinuousClock.now < d { try await Task.sleep(until: d, clock: .continuous) }
                try await producer.produce(record(&factory, marker: "b\(i / perSlot)"))
            }
            finished = ContinuousClock.now
            try await producer.flush(timeout: .seconds(60))
        } catch {
            poller.cancel()
            throw error
        }
        let (visible, meanQuery) = try await poller.value

        var histogram = LatencyHistogram()
        for slot in 0..<slots {
            for i in (slot * perSlot)..<(slot * perSlot + expected(slot: slot)) {
                let latency = visible[slot] - due(i)
                histogram.record(microseconds: latency.components.seconds * 1_000_000 + latency.components.attoseconds / 1_000_000_000_000)
            }
        }
        let sendingSeconds = (finished - t0).benchSeconds
        return BenchReport.Latency(
            rate: rate, durationSeconds: durationSeconds, events: total, slotMilliseconds: slotMilliseconds,
            pollMilliseconds: pollMilliseconds, meanQueryMilliseconds: meanQuery,
            achievedRate: Double(total) / max(sendingSeconds, 1e-9),
            p50Milliseconds: histogram.milliseconds(at: 50), p99Milliseconds: histogram.milliseconds(at: 99),
            p999Milliseconds: histogram.milliseconds(at: 99.9), maxMilliseconds: histogram.maxMilliseconds,
            meanMilliseconds: histogram.meanMilliseconds)
    }

    /// Polls until every slot is visible; returns each slot's visibility time and the mean query
    /// time in milliseconds.
    private func poll(t0: ContinuousClock.Instant, due: (Int) -> ContinuousClock.Instant) async throws
        -> (visible: [ContinuousClock.Instant], meanQueryMilliseconds: Double) {
        var visible = [ContinuousClock.Instant?](repeating: nil, count: slots)
        var nextPending = 0
        var queries = 0
        var queryTime = Duration.zero
        // A failed query is tried again at the next poll; the last failure is quoted if the
        // slots never complete.
        var lastFailure: String?
        // Generous: the whole schedule plus a minute for a stalled pipeline to catch up.
        let deadline = t0 + .seconds(durationSeconds + 60)
        while nextPending < slots {
            try Task.checkCancellation()
            let now = ContinuousClock.now
            if now >= deadline {
                throw BenchError("latency: slot \(nextPending) of \(slots) was still incomplete in the store "
                    + "60 s after the schedule ended" + (lastFailure.map { "; last query failure: \($0)" } ?? ""))
            }
            // The slots that have started (their first event is due) and are not yet complete.
            let open = (nextPending..<slots).filter { visible[$0] == nil && due($0 * perSlot) <= now }
            if !open.isEmpty {
                let asked = ContinuousClock.now
                let found: [String: Int]
                do { found = try await counts(of: open.map { "b\($0)" }) } catch {
                    lastFailure = "\(error)"
                    try await Task.sleep(for: .milliseconds(pollMilliseconds))
                    continue
                }
                let answered = ContinuousClock.now
                queries += 1
                queryTime += answered - asked
                for slot in open where (found["b\(slot)"] ?? 0) >= expected(slot: slot) { visible[slot] = answered }
                while nextPending < slots, visible[nextPending] != nil { nextPending += 1 }
            }
            try await Task.sleep(for: .milliseconds(pollMilliseconds))
        }
        let meanQuery = queries == 0 ? 0 : queryTime.benchSeconds * 1000 / Double(queries)
        return (visible.map { $0! }, meanQuery)
    }

    /// The store's event counts for these markers (all time).
    private func counts(of markers: [String]) async throws -> [String: Int] {
        let query: [String: Any] = [
            "queryType": "groupBy", "dataSource": datasource, "granularity": "all",
            "intervals": ["2000-01-01T00:00:00Z/2100-01-01T00:00:00Z"],
            "dimensions": ["sport"],
            "filter": ["type": "in", "dimension": "sport", "values": markers],
            "aggregations": [["type": "longSum", "name": "events", "fieldName": "count"]],
        ]
        let rows = try await AuditHTTP.json(storeURL + "/druid/v2", body: query, timeout: 10) as? [[String: Any]] ?? []
        var out: [String: Int] = [:]
        for row in rows {
            guard let event = row["event"] as? [String: Any], let marker = event["sport"] as? String,
                  let n = (event["events"] as? NSNumber)?.intValue else { continue }
            out[marker, default: 0] += n
        }
        return out
    }

    /// An event of the current wall-clock time with `marker` as its sport.
    private func record(_ factory: inout AccessLogEventFactory, marker: String) -> OutgoingRecord {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let e = factory.event(timeMilliseconds: now)
        var value = e.value
        if let start = value.range(of: #""sport":""#),
           let end = value[start.upperBound...].firstIndex(of: "\"") {
            value.replaceSubrange(start.upperBound..<end, with: marker)
        }
        return OutgoingRecord(topic: "events.raw", key: e.key, value: value)
    }
}
