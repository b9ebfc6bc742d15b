import ArgumentParser
import Foundation
import Logging
import NagareRuntime

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput, end-to-end latency, the broker alone and the machine's limits.",
        discussion: """
            MODE is one of:
              throughput  preload --events example events into a fresh broker, run `nagare run` \
            on the example pipeline (exactly-once) until its group has committed the input's end; \
            events/s and CPU seconds per million events of the job and of the broker (/proc).
              quix        throughput, then the same job in quixstreams (Benchmarks/quix_access_logs.py, \
            exactly-once, Benchmarks/.venv) on the same broker over the first --quix-events of the \
            same events, measured the same way; prints the ratios.
              latency     a paced producer sends --rate events/s for --duration s into a fresh \
            broker, pipeline and store; each event's latency runs from its scheduled send time \
            (no coordinated omission) until a store query counts it; p50/p99/p99.9/max from an \
            HdrHistogram.
              broker      produce and consume messages/s against a fresh `nagare broker`, and the \
            machine's fsync latency (4 KiB write + fsync) and loopback TCP bandwidth.
              all         every one of the above (about 3 minutes with the defaults on 2 cores).
            Build in release for figures worth quoting (`make bench` does); see docs/benchmarks.md.
            """
    )

    @Argument(help: "throughput, latency, quix, broker or all.")
    var mode: String = "all"

    @Option(name: .long, help: "Events preloaded for nagare run.")
    var events: Int = 1_000_000

    @Option(name: .long, help: "Events for quixstreams: the first of the same events (at most --events).")
    var quixEvents: Int = 100_000

    @Option(name: .long, help: "Events per second of the latency run.")
    var rate: Int = 2_000

    @Option(name: .long, help: "Seconds of the latency run.")
    var duration: Int = 30

    @Option(name: .customLong("slot-ms"), help: "Length of the latency run's time slots, in milliseconds.")
    var slotMilliseconds: Int = 20

    @Option(name: .customLong("poll-ms"), help: "How often the latency run queries the store, in milliseconds.")
    var pollMilliseconds: Int = 10

    @Option(name: .long, help: "Messages the broker benchmark produces and consumes.")
    var brokerMessages: Int = 1_000_000

    @Option(name: .long, help: "Bytes per message of the broker benchmark.")
    var messageBytes: Int = 100

    @Option(name: .long, help: "The example folder (default: examples/access-logs, found from here or the executable).")
    var example: String?

    @Option(name: .long, help: "The Benchmarks folder with quix_access_logs.py and .venv (default: found like the example).")
    var benchmarks: String?

    @Option(name: .long, help: "Directory for brokers, stores and logs (default: a temporary one, removed afterwards).")
    var workDir: String?

    @Flag(name: .long, help: "With MODE all: leave out quixstreams.")
    var noQuix = false

    @Flag(name: .long, help: "Keep the work directory.")
    var keep = false

    @Option(name: .long, help: "Also write the figures to this file as JSON.")
    var json: String?

    func validate() throws {
        if noQuix && mode == "quix" { throw ValidationError("--no-quix: MODE quix is the quixstreams comparison") }
        guard BenchConfiguration.Mode(rawValue: mode) != nil else {
            throw ValidationError("MODE: '\(mode)' is not one of \(BenchConfiguration.Mode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        do { try benchConfiguration().validate() } catch { throw ValidationError(error.description) }
    }

    func benchConfiguration() -> BenchConfiguration {
        var c = BenchConfiguration()
        c.mode = BenchConfiguration.Mode(rawValue: mode) ?? .all
        c.events = events
        c.quixEvents = min(quixEvents, events)
        c.rate = rate
        c.durationSeconds = duration
        c.slotMilliseconds = slotMilliseconds
        c.pollMilliseconds = pollMilliseconds
        c.brokerMessages = brokerMessages
        c.messageBytes = messageBytes
        c.examplePath = example
        c.benchmarksPath = benchmarks
        c.workDirectory = workDir
        c.keepsWorkDirectory = keep
        c.skipsQuix = noQuix
        return c
    }

    func run() async throws {
        StandardErrorLog.bootstrap(level: .warning)
        let runner = BenchRunner(configuration: benchConfiguration(), logger: Logger(label: "nagare.bench"))
        // SIGINT/SIGTERM cancel the benchmark, which then stops every process it started.
        let report: BenchReport?
        do {
            report = try await withThrowingTaskGroup(of: BenchReport?.self) { tasks in
                tasks.addTask {
                    try await runner.run { line in FileHandle.standardError.write(Data("bench: \(line)\n".utf8)) }
                }
                tasks.addTask {
                    await waitForTerminationSignal()
                    return nil
                }
                let first = try await tasks.next() ?? nil
                tasks.cancelAll()
                while (try? await tasks.next()) != nil {}
                return first
            }
        } catch {
            throw CommandFailure(message: "bench: \(error)")
        }
        guard let report else { throw CommandFailure(message: "bench: interrupted; the processes it started were stopped") }
        print(report.text)
        if let json {
            do { try report.json().write(to: URL(fileURLWithPath: json)) } catch {
                throw CommandFailure(message: "bench: cannot write --json \(json): \(error.localizedDescription)")
            }
        }
    }
}
