import ArgumentParser
import Foundation
import Logging
import NagareCore
import NagareHTTP
import NagareRuntime
import NagareStore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the analytics store: exactly-once rollup ingestion and Druid-compatible queries.",
        discussion: """
            Consumes the datasource's topic (read_committed), rolls events up and commits rows and \
            offsets in one SQLite transaction per batch under --data-dir, and answers Druid native \
            queries on POST /druid/v2 (pydruid works unchanged). Prints 'serving http://HOST:PORT' \
            on standard output once it accepts connections. SIGTERM or SIGINT finish the current \
            batch and stop. GET /metrics serves Prometheus text. A non-loopback --http needs a \
            token (--auth-token or NAGARE_AUTH_TOKEN), which every request but \
            GET /status/health must then carry (docs/store-serving.md).
            """
    )

    @Option(name: .long, help: "The datasource file (YAML, see docs/datasource-yaml.md); repeatable.")
    var config: [String] = []

    @OptionGroup var client: ClientOptions

    @Option(name: .long, help: "HTTP address to listen on (port 0 picks a free port).")
    var http: String = "127.0.0.1:8080"

    @Option(name: .long, help: "Directory for the store's SQLite database.")
    var dataDir: String = "./nagare-data/store"

    @OptionGroup var auth: AuthTokenOptions

    @Option(name: .long, help: "Largest query body accepted, in bytes (larger: 413).")
    var maxBodyBytes: Int = 1 << 20

    @Option(name: .long, help: "Time limit of one query, in seconds (longer: 504).")
    var queryTimeoutSeconds: Double = 30

    @Option(name: .long, help: "Records per ingest step (one SQLite transaction).")
    var maxBatchRecords: Int = 10_000

    @Option(name: .customLong("pipeline-status"), help: ArgumentHelp(
        "A pipeline's status URL (nagare run --status HOST:PORT → http://HOST:PORT) whose health the dashboard shows; repeatable.",
        valueName: "url"))
    var pipelineStatus: [String] = []

    func validate() throws {
        guard !config.isEmpty else { throw ValidationError("--config: give at least one datasource file") }
        _ = try options()
    }

    func options() throws -> StoreServer.Options {
        var options = StoreServer.Options()
        options.dataDirectory = dataDir
        do { options.http = try HostPort(parsing: http, allowsAnyPort: true) } catch { throw ValidationError("--http: \(error.message)") }
        options.authToken = try auth.token(serving: options.http, flag: "--http", given: http)
        options.httpConfiguration.maxRequestBodyBytes = maxBodyBytes
        guard queryTimeoutSeconds > 0 else { throw ValidationError("--query-timeout-seconds must be positive") }
        options.httpConfiguration.queryTimeout = .milliseconds(Int64(queryTimeoutSeconds * 1000))
        options.ingest = StoreIngestorConfiguration(client: try client.clientConfiguration())
        options.ingest.maxRecordsPerBatch = maxBatchRecords
        for url in pipelineStatus {
            if let problem = PipelineHealthMonitor.problem(with: url) { throw ValidationError("--pipeline-status: \(problem)") }
        }
        options.pipelineStatusURLs = pipelineStatus
        do {
            try options.httpConfiguration.validate()
            try options.ingest.validate()
        } catch { throw ValidationError(error.message) }
        return options
    }

    func run() async throws {
        ParentWatch.startIfRequested()
        let allocator = AllocatorTuning.apply()
        let logger = client.logger("nagare.serve")
        logger.debug("\(allocator)")
        let options = try options()
        var specs: [DatasourceSpec] = []
        for path in config {
            do { specs.append(try DatasourceSpec.load(path: path)) } catch { throw CommandFailure(message: error.description) }
        }
        let host = options.http.host.contains(":") ? "[\(options.http.host)]" : options.http.host
        let server: StoreServer
        do {
            server = try StoreServer(datasources: specs, options: options, logger: logger, handlesTerminationSignals: true) { port in
                FileHandle.standardOutput.write(Data("serving http://\(host):\(port)\n".utf8))
            }
        } catch let error as StoreError {
            throw CommandFailure(message: "cannot open the store in \(options.dataDirectory): \(error)")
        }
        do { try await server.run() } catch let error as StoreError {
            throw CommandFailure(message: error.description)
        }
    }
}
