import ArgumentParser

@main
struct Nagare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nagare",
        abstract: "A real-time event pipeline: Kafka in, exactly-once processing, analytics out.",
        discussion: """
            Nagare reads events from Kafka topics, deduplicates, enriches and aggregates them with \
            exactly-once delivery, and serves rolled-up analytics. `broker` is an embedded \
            Kafka-protocol broker; `run` runs a pipeline; `serve` runs the analytics store; \
            `produce` and `consume` talk to any Kafka cluster.
            """,
        subcommands: [
            BrokerCommand.self, RunCommand.self, ServeCommand.self, ProduceCommand.self, ConsumeCommand.self,
            OffsetsCommand.self, StopCommand.self, DruidSpecCommand.self, MockClusterCommand.self,
            DemoCommand.self,
            AuditCommand.self,
            BenchCommand.self,
        ]
    )
}
