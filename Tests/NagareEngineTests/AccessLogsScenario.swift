import Foundation
import NagareCore
import NagareEngine

/// Synthetic input for the example pipeline: valid events in (mostly) increasing event time,
/// plus duplicates, late events and malformed records, with the expected outcome of each,
/// decided here independently of the engine.
struct AccessLogsScenario {
    struct Input {
        var key: String
        var value: String
        /// Why it must be dead-lettered, or nil.
        var malformed: Bool = false
        var eventID: String? = nil
        var site: String = ""
        var time: Int64 = 0
        var revenue: Double = 0
        var isDuplicate = false
    }

    var inputs: [Input] = []
    static let partitions: Int32 = 3

    init(events: Int, seed: UInt64 = 7) {
        var random = SplitMix64(seed: seed)
        let agents = [
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Gecko/20100101 Firefox/121.0", "curl/8.4.0",
        ]
        let ips = ["203.0.113.9", "198.51.100.200", "192.0.2.1", "10.1.2.3", "100.64.0.1"]
        var sent: [Input] = []
        for i in 0..<events {
            let seconds = Double(i) * 1.5 + Double(random.next() % 1000) / 1000
            let site = random.next() % 25 == 0 ? "s99" : "s\(1 + random.next() % 20)"
            let revenue = Double(random.next() % 100) / 100
            var time = Fixtures.time(seconds)
            // 2%: late by five minutes, beyond maxDelay + allowedLateness.
            if random.next() % 50 == 0 { time -= 300_000 }
            let id = String(format: "e-%09d", i)
            let value = #"{"event_id":"\#(id)","ts":"\#(EventTimestamp.format(milliseconds: time))","site_id":"\#(site)","user_id":"u\#(random.next() % 900)","ip":"\#(ips[Int(random.next() % 5)])","ua":"\#(agents[Int(random.next() % 4)])","path":"/football/live/\#(i)","sport":"football","revenue":\#(revenue)}"#
            let input = Input(key: site, value: value, eventID: id, site: site, time: time, revenue: revenue)
            inputs.append(input)
            sent.append(input)
            // 5%: the same event again a little later (a producer retry).
            if random.next() % 20 == 0 {
                var duplicate = input
                duplicate.isDuplicate = true
                inputs.append(duplicate)
            }
            // 2%: malformed records of several kinds.
            switch random.next() % 100 {
            case 0: inputs.append(Input(key: site, value: #"{"event_id":"bad-\#(i)","ts":"#, malformed: true))
            case 1: inputs.append(Input(key: site, value: #"{"event_id":"bad-\#(i)","ts":"yesterday","site_id":"\#(site)","revenue":1}"#, malformed: true))
            default: break
            }
        }
    }

    var outgoing: [OutgoingRecord] {
        inputs.map { OutgoingRecord(topic: "events.raw", key: $0.key, value: $0.value) }
    }

    /// Per partition in input order: what the pipeline must do, computed with the
    /// pipeline's documented rules (dedup by id, tumbling 1m windows, maxDelay 10s,
    /// allowedLateness 1m, per-partition watermark).
    struct Expected {
        var outputIDs: [Int32: [String]] = [:]
        var deadLetterCount = 0
        var lateCount = 0
        /// (site, window start) → (count, revenue) for windows whose close the watermark reached.
        var windows: [String: (count: Int64, revenue: Double)] = [:]
    }

    func expected() -> Expected {
        var result = Expected()
        var perPartition: [Int32: [Input]] = [:]
        for input in inputs {
            perPartition[InMemoryKafka.partition(for: Array(input.key.utf8), count: Self.partitions), default: []].append(input)
        }
        for (partition, list) in perPartition {
            var seen = Set<String>()
            var maxTime = Int64.min
            var open: [String: (start: Int64, site: String, count: Int64, revenue: Double)] = [:]
            for input in list {
                if input.malformed { result.deadLetterCount += 1; continue }
                guard let id = input.eventID, seen.insert(id).inserted else { continue }
                maxTime = max(maxTime, input.time)
                let watermark = maxTime - 10_000
                let start = input.time - ((input.time % 60_000) + 60_000) % 60_000
                // Close what the watermark passed.
                for (k, w) in open where w.start + 120_000 <= watermark {
                    result.windows["\(w.site)@\(w.start)"] = (w.count, w.revenue)
                    open[k] = nil
                }
                result.outputIDs[partition, default: []].append(id)
                if start + 120_000 <= watermark {
                    result.lateCount += 1
                    result.deadLetterCount += 1
                    continue
                }
                let k = "\(input.site)@\(start)"
                var w = open[k] ?? (start, input.site, 0, 0)
                w.count += 1
                w.revenue += input.revenue
                open[k] = w
            }
        }
        return result
    }
}
