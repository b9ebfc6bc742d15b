import ArgumentParser
import Foundation
import Logging
import NagareCore
import NagareEngine
import NagareRuntime

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline (YAML) with exactly-once processing until stopped.",
        discussion: """
            Reads the pipeline's input topics as its consumer group (source.group, default \
            nagare.<name>), runs each batch through the operators and commits the outputs, the \
            operator state (topic nagare.<name>.changelog) and the input offsets in one Kafka \
            transaction. Topics the pipeline writes are created when missing. The pipeline file \
            is described in docs/pipeline-yaml.md; a wrong key is reported as FILE:LINE: KEY.

            Stopping: SIGTERM, SIGINT, the stop file (--stop-file) or `nagare stop` finish and \
            commit the current batch, leave the group and exit 0; the next start resumes exactly \
            there. \
            After a crash (kill -9) the next start aborts the unfinished transaction and \
            resumes at the last committed batch: nothing is lost or counted twice.

            Scale-out: start several processes with the same pipeline and a different \
            --instance each; they share the input partitions. Keep each process's --instance \
            across its restarts: it names the transactional id nagare.<name>.<instance> that \
            fences a previous incarnation.

            Offsets: partitions the group never committed start at source.startFrom. A \
            committed offset outside the log (e.g. deleted by retention) stops the run with an \
            error naming the partition; inspect with `nagare offsets show --group GROUP` and \
            move it with `nagare offsets reset` (preview first). With --allow-reset such a \
            partition starts at the log's start (offset below it) or end (offset beyond it) \
            instead, with a warning saying how many events that skips.

            Status: --status HOST:PORT serves GET /status (JSON: state, start time, per \
            partition committed offset, end offset and lag, the last batch's input count, \
            processing time and delay, totals), POST /stop (stop after the current batch) and \
            GET /metrics (Prometheus text; see docs/store-serving.md). A non-loopback address \
            needs a token (--auth-token or NAGARE_AUTH_TOKEN), which every request but \
            GET /status/health must then carry; `nagare stop` sends it too.

            Exit status: 0 after a requested stop; 1 on a pipeline file error, an offset out of \
            range, a fenced instance (another process with the same --instance) or repeated \
            transaction failures (execution.maxBatchRetries).
            """
    )

    @Argument(help: ArgumentHelp("The pipeline file (YAML); table paths in it are relative to its folder.", valueName: "pipeline.yml"))
    var pipeline: String

    @OptionGroup var client: ClientOptions

    @Option(name: .long, help: ArgumentHelp(
        "This process's id among the pipeline's processes: different for each process, the same across one process's restarts.",
        valueName: "id"))
    var instance: String = "0"

    @Option(name: .long, help: ArgumentHelp(
        "Stop after the current batch when this file appears (it is deleted then).", valueName: "path"))
    var stopFile: String?

    @Option(name: .long, help: ArgumentHelp(
        "Serve GET /status and POST /stop over HTTP on this address (port 0: any free port, printed as `status http://HOST:PORT`).",
        valueName: "host:port"))
    var status: String?

    @OptionGroup var auth: AuthTokenOptions

    @Flag(name: .long, help: ArgumentHelp(
        "Start a partition whose committed offset is outside its log at the log's start or end (with a warning saying how many events are skipped) instead of stopping."))
    var allowReset = false

    @Option(name: .long, help: ArgumentHelp(
        "exactly-once (default) or at-least-once: a demonstration mode without transactions (outputs per batch; state, then offsets, every 5 s like a consumer's auto-commit), which duplicates after a crash.",
        valueName: "mode"))
    var delivery: String = PipelineRunner.Delivery.exactlyOnce.rawValue

    func statusAddress() throws -> HostPort? {
        guard let status else { return nil }
        let address: HostPort
        do { address = try HostPort(parsing: status, allowsAnyPort: true) } catch {
            throw ValidationError("--status: \(error.message)")
        }
        _ = try auth.token(serving: address, flag: "--status", given: status)
        return address
    }

    func validate() throws {
        _ = try statusAddress()
        _ = try auth.token()
        if PipelineRunner.Delivery(rawValue: delivery) == nil {
            throw ValidationError("--delivery: '\(delivery)' is not one of exactly-once, at-least-once")
        }
    }

    func run() async throws {
        ParentWatch.startIfRequested()
        let allocator = AllocatorTuning.apply()
        let logger = client.logger("nagare.run")
        logger.debug("\(allocator)")
        let statusAddress = try statusAddress()
        let authToken = try auth.token()
        let definition: PipelineDefinition
        do { definition = try PipelineDefinition.load(path: pipeline) } catch {
            throw CommandFailure(message: error.message)
        }
        var options = PipelineRunner.Options()
        options.client = try client.clientConfiguration()
        options.instanceID = instance
        options.stopFile = stopFile
        options.allowsOffsetReset = allowReset
        options.delivery = PipelineRunner.Delivery(rawValue: delivery) ?? .exactlyOnce
        let runner = PipelineRunner(definition: definition, options: options, logger: logger)
        // A signal asks the runner to stop after the current batch; the command then waits for
        // the runner itself, so the batch's commit and the group leave are never cut short and
        // an error while stopping still fails the command.
        let server = statusAddress.map { address in
            let host = address.host.contains(":") ? "[\(address.host)]" : address.host
            return PipelineStatusServer(runner: runner, address: address, authToken: authToken, logger: logger) { port in
                FileHandle.standardOutput.write(Data("status http://\(host):\(port)\n".utf8))
            }
        }
        // The runner's own failure is held until the status server has shut down gracefully:
        // cancelling a Hummingbird server with a request in flight (a dashboard polling the
        // status) ends the process in NIO instead of with the runner's error.
        let failure: (any Error)? = try await withThrowingTaskGroup(of: RunOutcome.self) { tasks in
            tasks.addTask {
                do {
                    try await failing { try await runner.run() }
                } catch let error as EngineError {
                    return .runnerFinished(CommandFailure(message: error.description))
                } catch {
                    return .runnerFinished(error)
                }
                return .runnerFinished(nil)
            }
            tasks.addTask {
                await waitForTerminationSignal()
                runner.stop()
                return .other
            }
            if let server, let statusAddress {
                tasks.addTask {
                    do { try await server.run() } catch {
                        runner.stop()
                        throw CommandFailure(message: "--status \(statusAddress): \(error)")
                    }
                    return .other
                }
            }
            while let outcome = try await tasks.next() {
                if case .runnerFinished(let error) = outcome {
                    // A graceful end of the status server (cancelling it logs errors), then the
                    // signal waiter.
                    await server?.shutdown()
                    tasks.cancelAll()
                    return error
                }
            }
            return nil
        }
        if let failure { throw failure }
    }
}

/// What a task of `nagare run` ended with: the runner (with its error, if any) or another task.
private enum RunOutcome: Sendable {
    case runnerFinished((any Error)?)
    case other
}
