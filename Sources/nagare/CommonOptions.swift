import ArgumentParser
import Logging
import NagareCore
import NagareKafka
import NagareRuntime

/// Options every client command takes.
struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "Kafka brokers to bootstrap from (HOST:PORT[,HOST:PORT...]).")
    var brokers: String = "127.0.0.1:9092"

    @Option(name: .customLong("property"), parsing: .singleValue,
            help: ArgumentHelp("A raw librdkafka property KEY=VALUE (repeatable).", valueName: "KEY=VALUE"))
    var properties: [String] = []

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "warning"

    func validate() throws {
        _ = try clientConfiguration()
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level: '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func clientConfiguration() throws -> ClientConfiguration {
        var config: ClientConfiguration
        do { config = try ClientConfiguration(brokers: brokers) } catch {
            throw ValidationError("--brokers: \(error.message)")
        }
        for p in properties {
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
                throw ValidationError("--property: '\(p)' is not KEY=VALUE")
            }
            config.properties[String(p[..<eq])] = String(p[p.index(after: eq)...])
        }
        return config
    }

    func logger(_ label: String) -> Logger {
        StandardErrorLog.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .warning)
        return Logger(label: label)
    }
}

/// Prints an error as one line on standard error and exits non-zero: users see what was wrong,
/// never a stack trace.
func failing<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ValidationError {
        throw error
    } catch let error as KafkaClientError {
        throw CommandFailure(message: error.description)
    } catch let error as ConfigurationError {
        throw CommandFailure(message: error.message)
    }
}

struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
