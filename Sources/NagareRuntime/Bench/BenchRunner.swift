import Foundation
public import Logging
import NagareCore

/// Runs the benchmarks a `BenchConfiguration` asks for and gathers their figures.
///
/// Throughput and quixstreams share one broker (the same events, preloaded twice, into
/// `events.raw` and `quix.events.raw`); the latency run and the broker run each get a fresh
/// broker, so neither sees the other's data. Every process runs from a work directory that is
/// removed at the end unless kept.
public struct BenchRunner: Sendable {
    public let configuration: BenchConfiguration
    let logger: Logger

    public init(configuration: BenchConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run(progress: @escaping @Sendable (String) -> Void) async throws -> BenchReport {
        let c = configuration
        let examplePath = try Self.locate(c.examplePath, relative: "examples/access-logs", file: "pipeline.yml", option: "--example")
        let tables = try DemoExampleTables.load(folder: examplePath)
        let work = c.workDirectory ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("nagare-bench-\(getpid())")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let processes = BenchProcesses(executable: ChildProcess.currentExecutable, workDirectory: work)
        var report = BenchReport(loadAverageAtStart: ProcessCPU.loadAverage(), cores: ProcessInfo.processInfo.activeProcessorCount)
        progress("work directory \(work); load average \(report.loadAverageAtStart)")
        do {
            if c.runsThroughput {
                try await throughput(into: &report, examplePath: examplePath, tables: tables, processes: processes, progress: progress)
            }
            if c.runsLatency {
                try await latency(into: &report, examplePath: examplePath, tables: tables, processes: processes, progress: progress)
            }
            if c.runsBroker {
                try await broker(into: &report, processes: processes, work: work, progress: progress)
            }
        } catch {
            await processes.stopAll()
            if !c.keepsWorkDirectory { try? FileManager.default.removeItem(atPath: work) }
            throw error
        }
        await processes.stopAll()
        if c.keepsWorkDirectory { progress("kept \(work)") } else { try? FileManager.default.removeItem(atPath: work) }
        report.loadAverageAtEnd = ProcessCPU.loadAverage()
        return report
    }

    private func throughput(into report: inout BenchReport, examplePath: String, tables: DemoExampleTables,
                            processes: BenchProcesses, progress: @Sendable (String) -> Void) async throws {
        let c = configuration
        // Resolved first, so that a missing quixstreams set-up is reported before minutes of work.
        var quixPython: (python: String, script: String)?
        if c.runsQuix {
            do { quixPython = try quixScript() } catch {
                if c.mode == .quix { throw error }
                report.skipped.append("quixstreams: \(error)")
            }
        }
        let (broker, brokers) = try await processes.startBroker(name: "throughput-broker")
        try await BenchKafka.createTopics(["events.raw", "quix.events.raw"], brokers: brokers)
        let bench = ThroughputBench(processes: processes, brokers: brokers, brokerPID: broker.pid)
        let events = ThroughputEvents.generate(count: c.events, tables: tables)
        var started = ContinuousClock.now
        let ends = try await bench.preload(events, topic: "events.raw")
        progress("throughput: preloaded \(c.events) events in \(String(format: "%.1f", (ContinuousClock.now - started).benchSeconds)) s")
        var quixEnds: [TopicPartition: Offset] = [:]
        if quixPython != nil {
            started = ContinuousClock.now
            quixEnds = try await bench.preload(Array(events.prefix(c.quixEvents)), topic: "quix.events.raw")
            progress("throughput: preloaded \(c.quixEvents) events for quixstreams in \(String(format: "%.1f", (ContinuousClock.now - started).benchSeconds)) s")
        }
        let job = try await bench.run(
            name: "nagare run", program: processes.executable,
            arguments: ["run", "\(examplePath)/pipeline.yml", "--brokers", brokers, "--log-level", "warning"],
            log: "throughput-run", groupID: "nagare.access-logs", ends: ends, events: c.events, timeout: .seconds(1800))
        report.throughput = job
        progress("throughput: nagare run \(Int(job.eventsPerSecond)) events/s")

        if let quix = quixPython {
            try await BenchKafka.createTopics(["quix.events.enriched", "quix.metrics.site_minute", "quix.events.dlq"], brokers: brokers)
            let job = try await bench.run(
                name: "quixstreams", program: quix.python,
                arguments: [quix.script, "--brokers", brokers, "--input", "quix.events.raw", "--tables", examplePath,
                            "--state-dir", "\(processes.workDirectory)/quix-state"],
                log: "throughput-quix", groupID: "quix.access-logs", ends: quixEnds, events: c.quixEvents, timeout: .seconds(1800))
            report.quix = job
            progress("throughput: quixstreams \(Int(job.eventsPerSecond)) events/s")
        }
        await processes.stop(broker)
    }

    private func latency(into report: inout BenchReport, examplePath: String, tables: DemoExampleTables,
                         processes: BenchProcesses, progress: @escaping @Sendable (String) -> Void) async throws {
        let c = configuration
        let (_, brokers) = try await processes.startBroker(name: "latency-broker")
        try await BenchKafka.createTopics(["events.raw", "events.enriched", "metrics.site_minute", "events.dlq"], brokers: brokers)
        let storeURL = try await processes.startStore(datasource: "\(examplePath)/datasource.yml", brokers: brokers)
        let pipeline = try processes.start(processes.executable, [
            "run", "\(examplePath)/pipeline.yml", "--brokers", brokers, "--status", "127.0.0.1:0", "--log-level", "info",
        ], log: "latency-run")
        _ = try await pipeline.waitForLine(timeout: BenchProcesses.startTimeout) { $0.hasPrefix("status http://") }
        let bench = LatencyBench(brokers: brokers, storeURL: storeURL, datasource: "access-logs", tables: tables,
                                 rate: c.rate, durationSeconds: c.durationSeconds, slotMilliseconds: c.slotMilliseconds,
                                 pollMilliseconds: c.pollMilliseconds)
        report.latency = try await bench.run(progress: progress)
        // The pipeline, the store, then the broker.
        await processes.stopAll()
    }

    private func broker(into report: inout BenchReport, processes: BenchProcesses, work: String,
                        progress: @Sendable (String) -> Void) async throws {
        let c = configuration
        let (broker, brokers) = try await processes.startBroker(name: "broker-broker")
        report.broker = try await BrokerBench(brokers: brokers, messages: c.brokerMessages, messageBytes: c.messageBytes).run()
        progress("broker: produce \(Int(report.broker!.produceMessagesPerSecond)) msg/s")
        await processes.stop(broker)
        let fsync = try MachineLimits.fsyncLatency(directory: "\(work)/broker-broker")
        let loopback = try MachineLimits.loopbackBandwidth()
        report.machine = BenchReport.Machine(fsyncDirectory: "\(work)/broker-broker", fsyncSamples: fsync.count, fsyncP50Milliseconds: fsync.p50,
                                             fsyncP99Milliseconds: fsync.p99, loopbackMegabytesPerSecond: loopback)
    }

    /// The Python of Benchmarks/.venv and Benchmarks/quix_access_logs.py.
    private func quixScript() throws -> (python: String, script: String) {
        let folder = try Self.locate(configuration.benchmarksPath, relative: "Benchmarks", file: "quix_access_logs.py", option: "--benchmarks")
        let python = "\(folder)/.venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw BenchError("\(python) is missing: run Benchmarks/run.sh once (it installs Benchmarks/requirements.txt), or pass --benchmarks")
        }
        return (python, "\(folder)/quix_access_logs.py")
    }

    /// `given` when set (it must hold `file`), else `relative` under the working directory or
    /// one of its parents, or under one of the executable's parents (a build folder inside the
    /// repository).
    static func locate(_ given: String?, relative: String, file: String, option: String) throws -> String {
        let fm = FileManager.default
        if let given {
            let absolute = URL(fileURLWithPath: given).standardizedFileURL.path
            guard fm.fileExists(atPath: "\(absolute)/\(file)") else { throw BenchError("\(option) \(given): no \(file) in it") }
            return absolute
        }
        var candidates: [URL] = []
        for start in [URL(fileURLWithPath: fm.currentDirectoryPath), URL(fileURLWithPath: ChildProcess.currentExecutable).deletingLastPathComponent()] {
            var folder = start.standardizedFileURL
            for _ in 0..<6 {
                candidates.append(folder.appendingPathComponent(relative))
                folder = folder.deletingLastPathComponent()
            }
        }
        for c in candidates where fm.fileExists(atPath: c.appendingPathComponent(file).path) { return c.path }
        throw BenchError("cannot find \(relative)/\(file) from the working directory or the executable; pass \(option) DIR")
    }
}
