import ArgumentParser
import Foundation
import Logging
import NagareCore
import NagareEngine
import NagareRuntime

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline with exactly-once processing.",
        discussion: """
            Reads the pipeline's input topics as its consumer group, runs each batch through the \
            operators and commits outputs, state changes and input offsets in one Kafka transaction. \
            SIGTERM, SIGINT or the stop file finish the current batch, commit it and leave the group; \
            the next start resumes exactly there. Several processes of one pipeline share the input \
            partitions; give each its own --instance.
            """
    )

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @OptionGroup var client: ClientOptions

    @Option(name: .long, help: "This process's id among the pipeline's processes (stable across its restarts).")
    var instance: String = "0"

    @Option(name: .long, help: "Stop after the current batch when this file appears.")
    var stopFile: String?

    func run() async throws {
        let logger = client.logger("nagare.run")
        let definition: PipelineDefinition
        do { definition = try PipelineDefinition.load(path: pipeline) } catch {
            throw CommandFailure(message: error.message)
        }
        var options = PipelineRunner.Options()
        options.client = try client.clientConfiguration()
        options.instanceID = instance
        options.stopFile = stopFile
        let runner = PipelineRunner(definition: definition, options: options, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                do { try await runner.run() } catch let error as EngineError {
                    throw CommandFailure(message: error.description)
                }
            }
            tasks.addTask {
                await waitForTerminationSignal()
                runner.stop()
            }
            try await tasks.next()
            tasks.cancelAll()
        }
    }
}
