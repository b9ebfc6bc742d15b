import ArgumentParser
import NagareCore
import NagareKafka
import NagareRuntime

struct OffsetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offsets",
        abstract: "Show or reset a consumer group's committed offsets.",
        discussion: """
            `nagare run` resumes every partition at its group's committed offset. `show` lists \
            them with each partition's log range and lag; `reset` moves them, printing what each \
            partition would skip or replay, and changes nothing without --execute.
            """,
        subcommands: [Show.self, Reset.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Committed offset, log start and end, and lag per partition.",
            discussion: """
                Without --topic, every topic the group has committed offsets in is shown.
                """
        )

        @OptionGroup var client: ClientOptions

        @Option(name: .long, help: "The consumer group (a pipeline's is nagare.<name> unless its source.group says otherwise).")
        var group: String

        @Option(name: .long, help: "Show this topic's partitions, committed or not (repeatable).")
        var topic: [String] = []

        func run() async throws {
            let tool = OffsetsTool(client: try client.clientConfiguration(), logger: client.logger("nagare.offsets"))
            let report = try await failing { try await tool.show(group: group, topics: topic.isEmpty ? nil : topic) }
            print(OffsetsTool.render(report))
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a group's offsets for a topic; a preview unless --execute.",
            discussion: """
                --to earliest | latest | timestamp:MS (the first record at or after that time, \
                milliseconds since the epoch) | offset:N (clamped into each partition's log). \
                The preview shows, per partition, the current and the new offset and how many \
                records would be skipped (never processed) or replayed (processed again: a \
                pipeline's dedup state may drop replayed events as duplicates). With --execute \
                the offsets are committed; this needs a group without active members, so stop \
                its `nagare run` processes first.
                """
        )

        @OptionGroup var client: ClientOptions

        @Option(name: .long, help: "The consumer group.")
        var group: String

        @Option(name: .long, help: "The topic whose partitions are reset.")
        var topic: String

        @Option(name: .long, help: ArgumentHelp("earliest, latest, timestamp:MS or offset:N.", valueName: "target"))
        var to: String

        @Flag(name: .long, help: "Commit the new offsets (without it, only the preview is printed).")
        var execute = false

        func validate() throws {
            do { _ = try OffsetsTool.Target(parsing: to) } catch { throw ValidationError(error.message) }
        }

        func run() async throws {
            let tool = OffsetsTool(client: try client.clientConfiguration(), logger: client.logger("nagare.offsets"))
            let target = try OffsetsTool.Target(parsing: to)
            let plan = try await failing { try await tool.planReset(group: group, topic: topic, to: target) }
            if execute, let refusal = OffsetsTool.refusal(plan.group) {
                print(OffsetsTool.render(plan, executed: false))
                throw CommandFailure(message: refusal)
            }
            if execute { try await failing { try await tool.execute(plan) } }
            print(OffsetsTool.render(plan, executed: execute))
        }
    }
}
