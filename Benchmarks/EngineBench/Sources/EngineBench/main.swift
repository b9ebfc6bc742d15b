// The access-log pipeline's engine work without Kafka: JSON parse, JSON write, and the whole
// pipeline (parse, validate, dedup, enrich, window, write, changelog) over 6 partition tasks in
// batches of 10,000 records, as `nagare run` drives it, on one thread.
//
// Back of the envelope: an event is ~280 bytes with 9 fields. Scanning it is one pass at a few
// bytes per ns that keeps byte spans, not strings: ~0.3 µs; the fields read later (event id,
// site, time, IP, user agent) are decoded on demand, ~30 ns each, the ~120-byte user agent once
// more for its classification cache key. Writing ~450 bytes of output copies the input object
// and appends the seven enriched fields: ~0.25 µs. Dedup is two hash operations on an 11-byte
// key (insert now, expiry later, ~0.3 µs); enrichment ~7 field appends and three lookups
// (~0.5 µs); the window one dictionary update (~0.1 µs); the changelog the key and its time
// appended to the batch's dedup block (~50 ns). So ~1.5-2 µs per event is what the work needs;
// the measured figure (~3.2 µs in November 2026) says how much overhead sits on top.
//
// Run (from the repository root): swift run -c release --package-path Benchmarks/EngineBench [EVENTS]
// Instruction counts: valgrind --tool=callgrind --toggle-collect='*PartitionTask*process*' \
//   .build/…/EngineBench 30000 pipeline
import Foundation
import NagareCore
import NagareEngine

let eventCount = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 300_000 : 300_000
/// `pipeline` runs one round of the whole pipeline only: for instruction counts under
/// `valgrind --tool=callgrind`, which are exact where timings on a shared machine are not.
let pipelineOnly = CommandLine.arguments.dropFirst(2).first == "pipeline"
// Run from the repository root, as `make`-style commands are.
let pipelinePath = FileManager.default.currentDirectoryPath + "/examples/access-logs/pipeline.yml"

/// A deterministic generator (SplitMix64), so every run times the same events.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

let userAgents = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "curl/8.4.0",
]
let sports = ["football", "tennis", "cycling", "athletics", "rugby", "golf"]

/// Events as in Benchmarks/pipeline_throughput.py: keyed by site, ~6 ms of event time apart,
/// 5% repeating a recent event_id.
func makeRecords(_ n: Int) -> [[Record]] {
    var rng = SplitMix64(state: 5)
    var perPartition = [[Record]](repeating: [], count: 6)
    var recent: [(site: Int, value: [UInt8])] = []
    let start: Int64 = 1_795_302_000_000
    for i in 0..<n {
        let site: Int
        let value: [UInt8]
        if !recent.isEmpty && rng.below(100) < 5 {
            (site, value) = recent[rng.below(recent.count)]
        } else {
            site = 1 + rng.below(22)
            let ts = EventTimestamp.format(milliseconds: start + Int64(i * 6 + rng.below(6)))
            let ip = "203.0.113.\(rng.below(256))"
            let sport = sports[rng.below(sports.count)]
            let eventID = "e-" + String(repeating: "0", count: 9 - String(i).count) + String(i)
            let text = #"{"event_id":"\#(eventID)","ts":"\#(ts)","site_id":"s\#(site)","user_id":"u\#(rng.below(100_000))","ip":"\#(ip)","ua":"\#(userAgents[rng.below(userAgents.count)])","path":"/\#(sport)/live/\#(rng.below(1000))","sport":"\#(sport)","revenue":\#(Double(rng.below(100)) / 100)}"#
            value = Array(text.utf8)
            recent.append((site, value))
            if recent.count > 50 { recent.removeFirst() }
        }
        let p = site % 6
        perPartition[p].append(Record(
            topicPartition: TopicPartition("events.raw", Int32(p)), offset: Offset(Int64(perPartition[p].count)),
            timestampMilliseconds: start, key: Array("s\(site)".utf8), value: value))
    }
    return perPartition
}

/// CPU time of this thread: the machine is shared (two cores, builds and a broker beside), and
/// CPU time is far less disturbed by that than wall time.
func threadCPUNanoseconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) * 1e9 + Double(t.tv_nsec)
}

func time(_ label: String, events: Int, _ body: () throws -> Void) rethrows {
    let start = threadCPUNanoseconds()
    try body()
    let perEvent = (threadCPUNanoseconds() - start) / Double(events)
    print("\(label): \(String(format: "%.0f", perEvent)) ns CPU/event, \(String(format: "%.0f", 1e9 / perEvent)) events/s per core")
}

let records = makeRecords(eventCount)
let all = records.flatMap { $0 }
print("\(all.count) events, \(all.reduce(0) { $0 + ($1.value?.count ?? 0) } / all.count) B average")

var bytes = 0
if !pipelineOnly {
    var events: [Event] = []
    events.reserveCapacity(all.count)
    try time("JSON parse", events: all.count) {
        for r in all { events.append(try JSONScanner.parseEvent(r.value!)) }
    }
    time("JSON write", events: events.count) {
        for e in events { bytes &+= JSONWriter.write(e).count }
    }
}

let definition = try PipelineDefinition.load(path: pipelinePath)
// Three rounds over fresh tasks; the best is the least disturbed by the rest of the machine.
for round in 1...(pipelineOnly ? 1 : 3) {
    let pipeline = try Pipeline(definition)
    let tasks = (0..<6).map { pipeline.makeTask(for: TopicPartition("events.raw", Int32($0))) }
    var outputs = 0
    var changelog = 0
    let batch = 10_000 / 6
    try time("pipeline, round \(round)", events: all.count) {
        var start = 0
        while start < records.map(\.count).max()! {
            for (p, task) in tasks.enumerated() where start < records[p].count {
                let result = try task.process(runs: CollectionOfOne(records[p][start..<min(start + batch, records[p].count)]))
                outputs += result.outputs.count
                changelog += result.changelog.count
                task.markCommitted(result.nextOffset)
                task.recycle(result.outputs)  // as the batch loop does once the outputs are sent
            }
            start += batch
        }
    }
    if round == 1 { print("outputs \(outputs), changelog records \(changelog), output bytes \(bytes)") }
}
