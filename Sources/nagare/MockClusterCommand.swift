import ArgumentParser
import Foundation
import Logging
import NagareKafka
import NagareRuntime

/// Starts librdkafka's in-process mock cluster and keeps it up until SIGTERM/SIGINT: a broker
/// stand-in for trying the client commands and for the CLI's own tests. It keeps nothing on disk
/// and lacks features (read_committed filtering, fencing); `nagare broker` is the real thing.
struct MockClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-cluster",
        abstract: "Run librdkafka's in-memory mock Kafka cluster (for trying the client commands; not durable)."
    )

    @Option(name: .long, help: "Number of mock brokers.")
    var brokers: Int32 = 1

    @Option(name: .customLong("topic"), help: ArgumentHelp("Create a topic NAME:PARTITIONS (repeatable).", valueName: "NAME:PARTITIONS"))
    var topics: [String] = []

    func validate() throws {
        if brokers < 1 { throw ValidationError("--brokers must be at least 1") }
        for t in topics {
            let parts = t.split(separator: ":")
            guard parts.count == 2, !parts[0].isEmpty, let n = Int32(parts[1]), n > 0 else {
                throw ValidationError("--topic: '\(t)' is not NAME:PARTITIONS with PARTITIONS > 0")
            }
        }
    }

    func run() async throws {
        StandardErrorLog.bootstrap(level: .warning)
        let cluster = try MockCluster(brokers: brokers)
        for t in topics {
            let parts = t.split(separator: ":")
            try cluster.createTopic(String(parts[0]), partitions: Int32(parts[1])!)
        }
        // The address goes to standard output, alone on its line, for scripts to read.
        FileHandle.standardOutput.write(Data((cluster.bootstrapServers + "\n").utf8))
        await waitForTerminationSignal()
        cluster.close()
    }
}

/// Suspends until SIGTERM or SIGINT arrives.
func waitForTerminationSignal() async {
    signal(SIGTERM, SIG_IGN)
    signal(SIGINT, SIG_IGN)
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let queue = DispatchQueue(label: "nagare.signals")
        let once = OnceFlag()
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if once.take() {
                    sources.forEach { $0.cancel() }
                    continuation.resume()
                }
            }
            source.resume()
            sources.append(source)
        }
    }
}

/// True exactly once.
final class OnceFlag: @unchecked Sendable {
    private var taken = false
    private let lock = NSLock()
    func take() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if taken { return false }
        taken = true
        return true
    }
}
