public import ArgumentParser
import Foundation
import NagareCore
import NagareKafka
import NagareRuntime

extension StartPosition: ExpressibleByArgument {}

extension IsolationLevel: ExpressibleByArgument {}

struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print one record value per line.",
        discussion: """
            Without --group, every partition of the topic is read and no offsets are committed. \
            With --group, the consumer joins that group and commits each batch after printing it, \
            so a restart resumes after the last printed record.
            """
    )

    @OptionGroup var client: ClientOptions

    @Option(name: .long, help: "The topic to read.")
    var topic: String

    @Option(name: .long, help: "Consumer group to join and commit offsets for.")
    var group: String?

    @Option(name: .long, help: "Where to start when there is no committed offset: earliest or latest.")
    var from: StartPosition = .earliest

    @Option(name: .long, help: "read_committed (default) or read_uncommitted.")
    var isolation: IsolationLevel = .readCommitted

    @Option(name: .long, help: "Stop after this many records.")
    var max: Int?

    @Option(name: .long, help: "Stop after this many seconds without a new record.")
    var timeout: Double?

    @Flag(name: .long, help: "Print partition, offset and key before each value, tab-separated.")
    var verbose = false

    func validate() throws {
        if topic.isEmpty { throw ValidationError("--topic must not be empty") }
        if let max, max < 1 { throw ValidationError("--max must be at least 1") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() async throws {
        let logger = client.logger("nagare.consume")
        var options = TopicPrinter.Options(topic: topic)
        options.groupID = group
        options.startFrom = from
        options.isolationLevel = isolation
        options.maxRecords = max
        options.idleTimeout = timeout.map { .milliseconds(Int64($0 * 1000)) }
        let verbose = self.verbose
        let count = try await failing {
            try await TopicPrinter(client: try client.clientConfiguration(), options: options, logger: logger)
                .run { record in
                    let value = record.valueString ?? ""
                    if verbose {
                        print("\(record.topicPartition.partition)\t\(record.offset)\t\(record.keyString ?? "")\t\(value)")
                    } else {
                        print(value)
                    }
                }
        }
        logger.info("consumed \(count) records from \(topic)")
    }
}
