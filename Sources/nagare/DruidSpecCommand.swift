import ArgumentParser
import Foundation
import NagareStore

struct DruidSpecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "druid-spec",
        abstract: "Print an Apache Druid Kafka supervisor spec for a datasource.",
        discussion: """
            The spec ingests the same topic with read_committed and the same dimensions, metrics \
            and query granularity as `nagare serve`, for moving a datasource to a Druid cluster: \
            POST it to /druid/indexer/v1/supervisor.
            """
    )

    @Option(name: .long, help: "The datasource file (YAML).")
    var config: String

    @Option(name: .long, help: "Kafka brokers Druid should bootstrap from (HOST:PORT[,HOST:PORT...]).")
    var brokers: String = "127.0.0.1:9092"

    @Option(name: .long, help: "Druid segment granularity (hour, day, ...).")
    var segmentGranularity: String = "hour"

    func run() async throws {
        let spec: DatasourceSpec
        do { spec = try DatasourceSpec.load(path: config) } catch { throw CommandFailure(message: error.description) }
        let json = spec.druidSupervisorSpec(bootstrapServers: brokers, segmentGranularity: segmentGranularity)
        FileHandle.standardOutput.write(Data(json))
    }
}
