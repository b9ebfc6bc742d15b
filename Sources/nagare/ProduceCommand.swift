import ArgumentParser
import Foundation
import NagareCore
import NagareKafka
import NagareRuntime

struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Produce one record per line of standard input; prints the count at the end.",
        discussion: """
            Blank lines are skipped. With --key-field, each line must be a JSON object and the \
            field's value becomes the record key (lines without it are reported and skipped). \
            Records are produced idempotently; with --transactional they are committed in \
            transactions of --transaction-size lines.
            """
    )

    @OptionGroup var client: ClientOptions

    @Option(name: .long, help: "The topic to produce to.")
    var topic: String

    @Option(name: .long, help: "Key each record by this top-level field of its JSON line.")
    var keyField: String?

    @Option(name: .long, help: "Produce every record to this partition instead of by key.")
    var partition: Int32?

    @Flag(name: .long, help: "Produce in transactions (read_committed consumers see whole transactions only).")
    var transactional = false

    @Option(name: .long, help: "Lines per transaction with --transactional.")
    var transactionSize: Int = 1000

    @Option(name: .long, help: "The transactional id with --transactional (default: nagare-produce-TOPIC).")
    var transactionalID: String?

    func validate() throws {
        if topic.isEmpty { throw ValidationError("--topic must not be empty") }
        if transactionSize < 1 { throw ValidationError("--transaction-size must be at least 1") }
        if let partition, partition < 0 { throw ValidationError("--partition must not be negative") }
        if transactionalID != nil && !transactional { throw ValidationError("--transactional-id needs --transactional") }
    }

    func run() async throws {
        let logger = client.logger("nagare.produce")
        let summary = try await failing {
            var options = LineProducer.Options(topic: topic)
            options.keyField = keyField
            options.partition = partition
            options.transactionSize = transactionSize
            if transactional { options.transactionalID = transactionalID ?? "nagare-produce-\(topic)" }
            return try await LineProducer(client: try client.clientConfiguration(), options: options, logger: logger)
                .run(lines: StandardInputLines())
        }
        var line = "produced \(summary.produced) records to \(topic)"
        if transactional { line += " in \(summary.transactions) transactions" }
        if summary.rejected > 0 { line += "; \(summary.rejected) lines rejected" }
        print(line)
        if summary.rejected > 0 { throw ExitCode(2) }
    }
}
