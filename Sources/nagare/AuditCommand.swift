import ArgumentParser
import Foundation
import Logging
import NagareRuntime

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Prove exactly-once under chaos: kill and restart the pipeline, store and broker, then check every output.",
        discussion: """
            Starts a broker in a temporary directory (or uses --brokers), the example pipeline \
            (--pipeline) as --workers processes and the store (--datasource), produces --events \
            sequence-numbered events (with duplicates, late and malformed ones) at --rate per \
            second, and meanwhile kills processes --kills times (--mode: sigkill, sigterm or \
            mixed) and the broker --broker-kills times (SIGKILL, restarted on the same data \
            directory and port) at moments drawn from --seed. After the pipeline has drained it \
            checks, with its own read_committed consumers: the enriched topic holds every distinct \
            valid event exactly once; the windowed topic equals a reference computed from the \
            generated events; the dead-letter topic holds exactly the malformed and too-late \
            events; the store's counts per minute equal the generator's.

            Recovery time after a kill: from the signal until the restarted process's first \
            committed batch (or, with nothing left to read, all its partitions committed to \
            their end); for the store until it serves again; for the broker until every worker \
            has committed a batch or the group has committed the whole input.

            --at-least-once runs the pipelines with `--delivery at-least-once` (no transactions): \
            with SIGKILLs the audit then finds duplicates and fails, which shows that it can.

            Exit status: 0 when every check passed; 1 on any loss, duplicate or mismatch (the \
            report lists the first ones) or when the audit itself could not run.
            """
    )

    @Option(name: .long, help: "Events to generate (including duplicates, late and malformed ones).")
    var events: Int = 10_000

    @Option(name: .long, help: "Process kills (pipeline workers and the store).")
    var kills: Int = 3

    @Option(name: .long, help: "sigkill, sigterm or mixed.")
    var mode: String = "mixed"

    @Option(name: .long, help: "Pipeline processes.")
    var workers: Int = 2

    @Option(name: .long, help: "Broker kills (SIGKILL, restart on the same data directory and port).")
    var brokerKills: Int = 0

    @Option(name: .long, help: "Input events per second.")
    var rate: Int = 2000

    @Option(name: .long, help: "Seed of the events and the kill schedule (same seed, same run).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Use this cluster (HOST:PORT[,...]) instead of starting a broker; it must not have the pipeline's topics yet.")
    var brokers: String?

    @Flag(name: .long, help: "Run the pipelines with --delivery at-least-once (a demonstration that the audit detects duplicates).")
    var atLeastOnce = false

    @Option(name: .long, help: "The pipeline file.")
    var pipeline: String = "examples/access-logs/pipeline.yml"

    @Option(name: .long, help: "The store's datasource file.")
    var datasource: String = "examples/access-logs/datasource.yml"

    @Option(name: .long, help: "Directory for logs and data (default: a new temporary directory).")
    var workDir: String?

    @Option(name: .long, help: "Log level of the audit itself: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "warning"

    func validate() throws {
        guard AuditConfiguration.KillMode(rawValue: mode) != nil else {
            throw ValidationError("--mode: '\(mode)' is not one of sigkill, sigterm, mixed")
        }
        do { try auditConfiguration().validate() } catch { throw ValidationError(error.description) }
    }

    func auditConfiguration() -> AuditConfiguration {
        var c = AuditConfiguration()
        c.events = events
        c.kills = kills
        c.mode = AuditConfiguration.KillMode(rawValue: mode) ?? .mixed
        c.workers = workers
        c.brokerKills = brokerKills
        c.rate = rate
        c.seed = seed
        c.brokers = brokers
        c.atLeastOnce = atLeastOnce
        c.pipelinePath = pipeline
        c.datasourcePath = datasource
        c.workDirectory = workDir
        return c
    }

    func run() async throws {
        StandardErrorLog.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .warning)
        let runner = AuditRunner(configuration: auditConfiguration(), logger: Logger(label: "nagare.audit"))
        // SIGINT/SIGTERM cancel the audit, which then stops every process it started.
        let result: (report: String, passed: Bool)?
        do {
            result = try await withThrowingTaskGroup(of: (report: String, passed: Bool)?.self) { tasks in
                tasks.addTask {
                    try await runner.run { line in
                        FileHandle.standardError.write(Data("audit: \(line)\n".utf8))
                    }
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
            throw CommandFailure(message: "audit: \(error)")
        }
        guard let outcome = result else {
            throw CommandFailure(message: "audit: interrupted; the processes it started were stopped")
        }
        print(outcome.report)
        if !outcome.passed { throw ExitCode(1) }
    }
}
