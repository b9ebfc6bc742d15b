import ArgumentParser
import Foundation
import Logging
import NagareBroker
import NagareCore
import NagareRuntime

struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run the embedded single-node Kafka-protocol broker.",
        discussion: """
            Kafka clients (librdkafka/kcat, confluent-kafka, kafka-python, Java) connect to it \
            unchanged. Data lives under --data-dir. SIGTERM or SIGINT stops it cleanly. On start it \
            prints 'listening on HOST:PORT' on standard output.
            """
    )

    @Option(name: .long, help: "Directory for topics, offsets and metadata.")
    var dataDir: String = "./nagare-data"

    @Option(name: .long, help: "Address to listen on (port 0 picks a free port).")
    var listen: String = "127.0.0.1:9092"

    @Option(name: .long, help: "Address clients are told to connect to (default: the listen address).")
    var advertise: String?

    @Option(name: .long, help: "Partitions of auto-created topics.")
    var partitions: Int32 = 1

    @Flag(name: .long, inversion: .prefixedNo, help: "Create topics when clients first use them.")
    var autoCreateTopics = true

    @Flag(name: .long, help: "Allow listening on a non-loopback address (no authentication exists yet).")
    var allowRemote = false

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        _ = try brokerConfiguration()
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: '\(logLevel)' is not a log level") }
    }

    func brokerConfiguration() throws -> BrokerConfiguration {
        var config = BrokerConfiguration()
        config.dataDirectory = dataDir
        do { config.listen = try HostPort(parsing: listen, allowsAnyPort: true) } catch { throw ValidationError("--listen: \(error.message)") }
        if let advertise {
            do { config.advertised = try HostPort(parsing: advertise) } catch { throw ValidationError("--advertise: \(error.message)") }
        }
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(config.listen.host) || config.listen.host.hasPrefix("127.")
        if !loopback && !allowRemote {
            throw ValidationError("--listen: \(config.listen.host) is not a loopback address; the broker has no authentication yet, pass --allow-remote to accept that")
        }
        config.defaultPartitions = partitions
        config.isAutoCreateTopicsEnabled = autoCreateTopics
        do { try config.validate() } catch { throw ValidationError(error.message) }
        return config
    }

    func run() async throws {
        ParentWatch.startIfRequested(grace: .seconds(5))
        let allocator = AllocatorTuning.apply()
        StandardErrorLog.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        let logger = Logger(label: "nagare.broker")
        logger.info("\(allocator)")
        let configuration = try brokerConfiguration()
        let runner: BrokerRunner
        do { runner = try BrokerRunner(configuration: configuration, logger: logger) } catch {
            throw CommandFailure(message: "cannot start the broker: \(error)")
        }
        let host = configuration.listen.host
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                try await runner.run { port in
                    FileHandle.standardOutput.write(Data("listening on \(host):\(port)\n".utf8))
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
