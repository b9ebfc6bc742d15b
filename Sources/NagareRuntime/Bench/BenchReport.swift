public import Foundation

/// The figures of one `nagare bench` run: printed as a compact report, written as JSON by
/// `--json FILE`. Sections the mode did not run are nil.
public struct BenchReport: Codable, Sendable {
    /// One job over preloaded events: wall time from its start until its group had committed
    /// the input's end offsets, and CPU seconds of the job's process and the broker meanwhile.
    public struct Job: Codable, Sendable {
        public var name: String
        public var events: Int
        public var seconds: Double
        public var eventsPerSecond: Double
        public var jobCPUSecondsPerMillion: Double
        public var brokerCPUSecondsPerMillion: Double
        /// Until the first committed progress was seen (process start, transactions, group join,
        /// tables, and the first commit interval: 100 ms for nagare run, 5 s for quixstreams);
        /// nil when the whole input was committed at once.
        public var startupSeconds: Double?
        /// Events/s and job CPU per million events after that first progress: the rate a
        /// long-running job sustains, without its start-up.
        public var steadyEventsPerSecond: Double?
        public var steadyJobCPUSecondsPerMillion: Double?
    }

    public struct Latency: Codable, Sendable {
        public var rate: Int
        public var durationSeconds: Int
        public var events: Int
        public var slotMilliseconds: Int
        public var pollMilliseconds: Int
        /// Mean time of one store query: with the poll interval, the resolution of the figures.
        public var meanQueryMilliseconds: Double
        /// Events per second the producer actually achieved (below `rate` means it fell behind;
        /// the latencies still count from each event's slot in the schedule).
        public var achievedRate: Double
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var p999Milliseconds: Double
        public var maxMilliseconds: Double
        public var meanMilliseconds: Double
    }

    public struct Broker: Codable, Sendable {
        public var messages: Int
        public var messageBytes: Int
        public var produceMessagesPerSecond: Double
        public var produceMegabytesPerSecond: Double
        public var consumeMessagesPerSecond: Double
        public var consumeMegabytesPerSecond: Double
    }

    public struct Machine: Codable, Sendable {
        public var fsyncDirectory: String
        public var fsyncSamples: Int
        public var fsyncP50Milliseconds: Double
        public var fsyncP99Milliseconds: Double
        public var loopbackMegabytesPerSecond: Double
    }

    public var loadAverageAtStart: String
    public var loadAverageAtEnd: String = ""
    public var cores: Int
    public var throughput: Job?
    public var quix: Job?
    public var latency: Latency?
    public var broker: Broker?
    public var machine: Machine?
    /// Parts that could not run, with the reason.
    public var skipped: [String] = []

    /// nagare run's events/s over quixstreams'.
    public var throughputRatio: Double? {
        guard let n = throughput, let q = quix, q.eventsPerSecond > 0 else { return nil }
        return n.eventsPerSecond / q.eventsPerSecond
    }

    /// quixstreams' job CPU per event over nagare run's.
    public var cpuRatio: Double? {
        guard let n = throughput, let q = quix, n.jobCPUSecondsPerMillion > 0 else { return nil }
        return q.jobCPUSecondsPerMillion / n.jobCPUSecondsPerMillion
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public var text: String {
        var lines: [String] = []
        if throughput != nil || quix != nil {
            lines.append("throughput, exactly-once (example pipeline, 6 partitions; CPU s per million events):")
            for j in [throughput, quix].compactMap({ $0 }) {
                lines.append("  \(pad(j.name, 12)) \(pad(group(j.events), 10, right: true)) events in \(fixed(j.seconds, 2)) s: "
                    + "\(group(Int(j.eventsPerSecond.rounded()))) events/s; CPU job \(fixed(j.jobCPUSecondsPerMillion, 2)), "
                    + "broker \(fixed(j.brokerCPUSecondsPerMillion, 2))")
                if let startup = j.startupSeconds, let rate = j.steadyEventsPerSecond, let cpu = j.steadyJobCPUSecondsPerMillion {
                    lines.append("  \(pad("", 12)) after its first commit at \(fixed(startup, 2)) s: \(group(Int(rate.rounded()))) events/s, CPU job \(fixed(cpu, 2))")
                }
            }
            if let ratio = throughputRatio, let cpu = cpuRatio {
                lines.append("  nagare run / quixstreams: \(fixed(ratio, 1))x events/s, \(fixed(cpu, 1))x less job CPU per event")
            }
            if let n = throughput?.steadyEventsPerSecond, let q = quix?.steadyEventsPerSecond, q > 0,
               let nc = throughput?.steadyJobCPUSecondsPerMillion, let qc = quix?.steadyJobCPUSecondsPerMillion, nc > 0 {
                lines.append("  after the first commit: \(fixed(n / q, 1))x events/s, \(fixed(qc / nc, 1))x less job CPU per event")
            }
        }
        if let l = latency {
            lines.append("latency, produce → visible in a store query (\(group(l.events)) events at \(group(l.rate))/s for \(l.durationSeconds) s, "
                + "\(l.slotMilliseconds) ms slots, poll every \(l.pollMilliseconds) ms, query \(fixed(l.meanQueryMilliseconds, 1)) ms):")
            lines.append("  p50 \(fixed(l.p50Milliseconds, 1)) ms, p99 \(fixed(l.p99Milliseconds, 1)) ms, p99.9 \(fixed(l.p999Milliseconds, 1)) ms, "
                + "max \(fixed(l.maxMilliseconds, 1)) ms (mean \(fixed(l.meanMilliseconds, 1)) ms; producer achieved \(group(Int(l.achievedRate.rounded())))/s)")
        }
        if let b = broker {
            lines.append("broker alone (\(group(b.messages)) messages of \(b.messageBytes) B, idempotent producer, acks=all):")
            lines.append("  produce \(group(Int(b.produceMessagesPerSecond.rounded()))) msg/s (\(fixed(b.produceMegabytesPerSecond, 1)) MB/s), "
                + "consume \(group(Int(b.consumeMessagesPerSecond.rounded()))) msg/s (\(fixed(b.consumeMegabytesPerSecond, 1)) MB/s)")
        }
        if let m = machine {
            lines.append("machine limits:")
            lines.append("  fsync of a 4 KiB write in the data directory: p50 \(fixed(m.fsyncP50Milliseconds, 3)) ms, "
                + "p99 \(fixed(m.fsyncP99Milliseconds, 3)) ms (\(m.fsyncSamples) samples)")
            lines.append("  loopback TCP: \(group(Int(m.loopbackMegabytesPerSecond.rounded()))) MB/s")
            if let b = broker, m.loopbackMegabytesPerSecond > 0 {
                lines.append("  broker produce uses \(fixed(100 * b.produceMegabytesPerSecond / m.loopbackMegabytesPerSecond, 1))% of loopback bandwidth")
            }
        }
        for s in skipped { lines.append("skipped: \(s)") }
        lines.append("\(cores) cores; load average at start \(loadAverageAtStart), at end \(loadAverageAtEnd)")
        return lines.joined(separator: "\n")
    }
}

fileprivate func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

/// 1234567 → "1,234,567".
fileprivate func group(_ value: Int) -> String {
    let digits = String(abs(value))
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return value < 0 ? "-" + out : out
}

fileprivate func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - s.count))
    return right ? fill + s : s + fill
}
