import ArgumentParser

@main
struct Nagare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nagare",
        abstract: "A real-time event pipeline: Kafka in, exactly-once processing, analytics out.",
        discussion: """
            Nagare reads events from Kafka topics, deduplicates, enriches and aggregates them with \
            exactly-once delivery, and serves rolled-up analytics. This build has the Kafka client \
            helpers; the broker, the processor and the store come next.
            """,
        subcommands: [BrokerCommand.self, RunCommand.self, ProduceCommand.self, ConsumeCommand.self, MockClusterCommand.self]
    )
}
