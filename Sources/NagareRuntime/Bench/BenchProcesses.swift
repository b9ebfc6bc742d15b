#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NagareCore
import NagareKafka
import Synchronization

/// The processes one benchmark starts (broker, store, jobs), each a `ChildProcess` with its log
/// in the work directory; `stopAll` ends them in reverse order of start, so a job stops before
/// the broker it talks to.
final class BenchProcesses: Sendable {
    let executable: String
    let workDirectory: String
    private let started = Mutex<[ChildProcess]>([])

    static let startTimeout = Duration.seconds(90)

    init(executable: String, workDirectory: String) {
        self.executable = executable
        self.workDirectory = workDirectory
    }

    /// Starts `nagare broker` on a free loopback port with 6 partitions per topic; returns the
    /// process and its address.
    func startBroker(name: String) async throws -> (process: ChildProcess, address: String) {
        let p = try start(executable, ["broker", "--data-dir", "\(workDirectory)/\(name)", "--listen", "127.0.0.1:0",
                                       "--partitions", "6", "--log-level", "warning"], log: name)
        let line = try await p.waitForLine(timeout: Self.startTimeout) { $0.contains("listening on ") }
        // `listening on HOST:PORT[, advertising HOST:PORT]`
        let address = String(line[line.range(of: "listening on ")!.upperBound...].prefix { $0 != "," && $0 != " " })
        return (p, address)
    }

    /// Starts `nagare serve` for `datasource`; returns its `http://HOST:PORT`.
    func startStore(datasource: String, brokers: String) async throws -> String {
        let p = try start(executable, ["serve", "--config", datasource, "--brokers", brokers, "--http", "127.0.0.1:0",
                                       "--data-dir", "\(workDirectory)/store", "--log-level", "info"], log: "serve")
        let line = try await p.waitForLine(timeout: Self.startTimeout) { $0.contains("serving http://") }
        return String(line[line.range(of: "serving ")!.upperBound...]).trimmingCharacters(in: .whitespaces)
    }

    /// Starts any command with its output in `<work>/logs/<log>.log`.
    func start(_ program: String, _ arguments: [String], log: String) throws -> ChildProcess {
        let p = try ChildProcess(executable: program, arguments: arguments, logFile: "\(workDirectory)/logs/\(log).log")
        started.withLock { $0.append(p) }
        return p
    }

    /// SIGTERM, then SIGKILL after 30 s.
    func stop(_ p: ChildProcess) async {
        p.signal(SIGTERM)
        if await p.waitForExit(timeout: .seconds(30)) == nil {
            p.signal(SIGKILL)
            _ = await p.waitForExit(timeout: .seconds(10))
        }
        started.withLock { $0.removeAll { $0 === p } }
    }

    func stopAll() async {
        for p in started.withLock({ $0 }).reversed() { await stop(p) }
    }
}

/// Kafka client helpers shared by the benchmarks.
enum BenchKafka {
    static let partitions: Int32 = 6

    static func createTopics(_ names: [String], brokers: String) async throws {
        let admin = try Admin(configuration: ClientConfiguration(brokers: brokers))
        defer { admin.close() }
        try await admin.createTopics(names.map { NewTopic(name: $0, partitions: partitions) })
    }

    static func partitionsOf(_ topic: String) -> [TopicPartition] {
        (0..<partitions).map { TopicPartition(topic, $0) }
    }

    /// The end offsets of `topic`, once they add up to at least `count` (the broker may report
    /// them a moment after acknowledging the records).
    static func endOffsets(_ topic: String, atLeast count: Int, brokers: String) async throws -> [TopicPartition: Offset] {
        let admin = try Admin(configuration: ClientConfiguration(brokers: brokers))
        defer { admin.close() }
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            var ends: [TopicPartition: Offset] = [:]
            for tp in partitionsOf(topic) { ends[tp] = try await admin.watermarks(tp).high }
            let total = ends.values.reduce(Int64(0)) { $0 + $1.rawValue }
            if total >= Int64(count) { return ends }
            if ContinuousClock.now >= deadline {
                throw BenchError("\(topic): end offsets add up to \(total), never to the \(count) records produced")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A producer for bulk loads: idempotent (acks=all), batching for 20 ms.
    static func producer(brokers: String) throws -> Producer {
        var configuration = ProducerConfiguration(client: try ClientConfiguration(brokers: brokers))
        configuration.lingerMilliseconds = 20
        configuration.maxInFlightRecords = 200_000
        return try Producer(configuration: configuration)
    }
}

/// A benchmark could not run; the message says which part and why.
public struct BenchError: Error, CustomStringConvertible, Sendable {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
