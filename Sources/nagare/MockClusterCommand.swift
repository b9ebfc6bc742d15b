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

/// Suspends until SIGTERM or SIGINT arrives, or the task is cancelled.
func waitForTerminationSignal() async {
    signal(SIGTERM, SIG_IGN)
    signal(SIGINT, SIG_IGN)
    let queue = DispatchQueue(label: "nagare.signals")
    let once = OnceFlag()
    let sources = [SIGTERM, SIGINT].map { DispatchSource.makeSignalSource(signal: $0, queue: queue) }
    let box = ContinuationBox()
    await withTaskCancellationHandler {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            box.set(continuation)
            for source in sources {
                source.setEventHandler { if once.take() { box.resume() } }
                source.resume()
            }
            if Task.isCancelled, once.take() { box.resume() }
        }
    } onCancel: {
        if once.take() { box.resume() }
    }
    sources.forEach { $0.cancel() }
}

/// Holds a continuation that may be resumed from a signal handler or a cancellation handler,
/// whichever comes first (`OnceFlag` makes sure only one does).
final class ContinuationBox: @unchecked Sendable {
    private var continuation: CheckedContinuation<Void, Never>?
    private var resumedEarly = false
    private let lock = NSLock()

    func set(_ c: CheckedContinuation<Void, Never>) {
        lock.lock()
        if resumedEarly { lock.unlock(); c.resume(); return }
        continuation = c
        lock.unlock()
    }

    func resume() {
        lock.lock()
        guard let c = continuation else { resumedEarly = true; lock.unlock(); return }
        continuation = nil
        lock.unlock()
        c.resume()
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
