import Foundation
public import Logging
public import NagareCore
import NagareKafka
import Synchronization

/// `nagare demo`: the broker, the example pipeline and the store as child processes of this
/// executable, fed by `AccessLogGenerator`, with the pipeline restarted every `restartEvery`
/// to show that the counts neither dip nor spike across restarts.
///
/// Start-up waits for each child's ready line (broker → topics → pipeline → store); the run
/// ends on `requestStop()` (SIGINT/SIGTERM) or after `duration`; then the generator stops
/// first (its records acknowledged), and after `duration` the store is given time to catch
/// up and compared minute by minute with the generator's counts; the pipeline, store and
/// broker are stopped last, in that order, each with SIGTERM.
public final class DemoSupervisor: Sendable {
    public struct Options: Sendable {
        /// Default: `./nagare-data/demo`.
        public var dataDirectory = "./nagare-data/demo"
        /// The store's HTTP address (dashboard and Druid queries). Default: 127.0.0.1:8080.
        public var http = HostPort(host: "127.0.0.1", port: 8080)
        /// Default: 127.0.0.1:9092; port 0 picks a free port.
        public var brokerListen = HostPort(host: "127.0.0.1", port: 9092)
        /// Events per second at the traffic curve's peak. Default: 2000.
        public var rate = 2000.0
        /// How long a simulated day lasts. Default: 10 minutes.
        public var dayLength = Duration.seconds(600)
        /// Time between pipeline restarts; nil: never. Default: 60 s.
        public var restartEvery: Duration? = .seconds(60)
        /// How the pipeline is stopped at a restart. Default: `.terminate`.
        public var restartSignal = RestartSignal.terminate
        /// Generate for this long, compare the store with the generator and stop; nil: until
        /// `requestStop()`.
        public var duration: Duration?
        /// After `duration`, keep the processes running (until `requestStop()`) instead of
        /// stopping. Default: false.
        public var keepRunning = false
        /// The access-logs example: pipeline.yml, datasource.yml and their tables.
        public var exampleDirectory = "examples/access-logs"
        /// The nagare executable the children run. Default: this process's own.
        public var executable = ChildProcess.currentExecutable
        /// Partitions of the input and output topics. Default: 6.
        public var partitions: Int32 = 6
        /// Time between progress lines. Default: 10 s.
        public var progressInterval = Duration.seconds(10)
        /// The longest wait for the store to catch up with the generator after `duration`.
        /// Default: 120 s.
        public var drainTimeout = Duration.seconds(120)

        public init() {}
    }

    /// `.terminate`: SIGTERM, the pipeline commits its batch and exits 0. `.kill`: SIGKILL, a
    /// crash; the next incarnation aborts the open transaction. `.alternate`: SIGTERM, then
    /// SIGKILL, and so on.
    public enum RestartSignal: String, Sendable, CaseIterable {
        case terminate, kill, alternate

        func signal(forRestart number: Int) -> Int32 {
            switch self {
            case .terminate: SIGTERM
            case .kill: SIGKILL
            case .alternate: number % 2 == 1 ? SIGTERM : SIGKILL
            }
        }
    }

    struct Children {
        var broker: ChildProcess?
        var pipeline: ChildProcess?
        var store: ChildProcess?
        /// True while the restart loop has the pipeline down on purpose.
        var restarting = false
        var restarts = 0
        var uncleanRestarts = 0
    }

    public let options: Options
    let logger: Logger
    let say: @Sendable (String) -> Void
    let children = Mutex(Children())
    /// The first failure (a child died, the generator could not produce); it ends the demo.
    let failure = Mutex<String?>(nil)
    let stopRequests: AsyncStream<Void>
    let stopContinuation: AsyncStream<Void>.Continuation
    /// Where the pipeline is started again at each restart.
    let pipelineBrokers = Mutex("")
    let pipelineStatusPort = Mutex(0)

    static let pipelineInstance = "demo"
    static let datasource = "access-logs"

    /// `say` receives the lines for the user (URLs, restarts, progress); `logger` the details.
    public init(options: Options, logger: Logger, say: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.logger = logger
        self.say = say
        (stopRequests, stopContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Ends the demo (from a signal handler's task): everything stops in order.
    public func requestStop() {
        stopRequested.withLock { $0 = true }
        stopContinuation.yield()
    }

    /// Set by `requestStop()`, for loops that cannot wait on the stream (the comparison).
    let stopRequested = Mutex(false)

    var data: String { options.dataDirectory }
    func path(_ name: String) -> String { (options.dataDirectory as NSString).appendingPathComponent(name) }
    func examplePath(_ name: String) -> String { (options.exampleDirectory as NSString).appendingPathComponent(name) }

    /// Runs the demo; returns false when, after `duration`, the store's per-minute counts differ
    /// from the generator's. Throws when a part cannot start or dies.
    public func run() async throws -> Bool {
        for file in ["pipeline.yml", "datasource.yml"] where !FileManager.default.fileExists(atPath: examplePath(file)) {
            throw DemoError("\(examplePath(file)) does not exist (is --example-dir the access-logs example folder?)")
        }
        let tables = try DemoExampleTables.load(folder: options.exampleDirectory)
        do { try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true) } catch {
            throw DemoError("cannot create --data-dir \(data): \(error.localizedDescription)")
        }
        let counts = try GeneratorCounts.load(path: path("generator-counts.json"))
        let matched: Bool
        do {
            let (brokers, storeURL) = try await startAll()
            matched = try await runGenerator(brokers: brokers, storeURL: storeURL, tables: tables, counts: counts)
        } catch {
            await stopAll()
            throw error
        }
        await stopAll()
        return matched
    }

    // MARK: Start-up

    /// Starts broker, topics, pipeline and store; returns the bootstrap address and store URL.
    func startAll() async throws -> (brokers: String, storeURL: String) {
        let broker = try start(["broker", "--data-dir", path("broker"), "--listen", options.brokerListen.description,
                                "--partitions", String(options.partitions), "--log-level", "info"], log: "broker.log")
        children.withLock { $0.broker = broker }
        let brokers = try await readyValue(of: broker, prefix: "listening on ", timeout: .seconds(30))
        say("broker    \(brokers)  (log: \(path("broker.log")))")

        let client = try ClientConfiguration(brokers: brokers)
        let admin = try Admin(configuration: client, logger: logger)
        defer { admin.close() }
        try await admin.createTopics(["events.raw", "events.enriched"].map { NewTopic(name: $0, partitions: options.partitions) })

        let statusPort = try Self.freeLoopbackPort()
        _ = try await startPipeline(brokers: brokers, statusPort: statusPort)
        say("pipeline  \(examplePath("pipeline.yml")), status http://127.0.0.1:\(statusPort)/status  (log: \(path("pipeline.log")))")

        let store = try start(["serve", "--config", examplePath("datasource.yml"), "--brokers", brokers,
                               "--http", options.http.description, "--data-dir", path("store"),
                               "--pipeline-status", "http://127.0.0.1:\(statusPort)", "--log-level", "info"],
                              log: "store.log")
        children.withLock { $0.store = store }
        let storeURL = try await readyValue(of: store, prefix: "serving ", timeout: .seconds(60))
        say("store     \(storeURL)/druid/v2  (log: \(path("store.log")))")
        say("dashboard \(storeURL)/")
        return (brokers, storeURL)
    }

    func startPipeline(brokers: String, statusPort: Int) async throws -> ChildProcess {
        pipelineBrokers.withLock { $0 = brokers }
        pipelineStatusPort.withLock { $0 = statusPort }
        let pipeline = try start(["run", examplePath("pipeline.yml"), "--brokers", brokers,
                                  "--instance", Self.pipelineInstance, "--status", "127.0.0.1:\(statusPort)",
                                  "--log-level", "info"], log: "pipeline.log")
        children.withLock { $0.pipeline = pipeline }
        _ = try await readyValue(of: pipeline, prefix: "status http://", timeout: .seconds(60))
        return pipeline
    }

    func start(_ arguments: [String], log: String) throws -> ChildProcess {
        try ChildProcess(executable: options.executable, arguments: arguments, logFile: path(log))
    }

    /// The rest of the child's ready line after `prefix`.
    func readyValue(of child: ChildProcess, prefix: String, timeout: Duration) async throws -> String {
        let line: String
        do { line = try await child.waitForLine(timeout: timeout) { $0.hasPrefix(prefix) } } catch let error as ChildProcessError {
            // The child's own one-line error (a port in use, a bad file) says more than its status.
            let reason = Self.lastErrorLine(of: child.logFile).map { ": \($0)" } ?? ""
            throw DemoError(error.message + reason)
        }
        return String(line.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
    }

    /// A loopback port free right now: the pipeline's status endpoint keeps it across restarts,
    /// so the store's --pipeline-status URL stays valid.
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DemoError("cannot open a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw DemoError("cannot find a free loopback port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    // MARK: Stopping

    /// Stops the pipeline, store and broker in that order (SIGTERM; SIGKILL after 60 s).
    func stopAll() async {
        let c = children.withLock { c -> Children in
            let current = c
            c.pipeline = nil
            c.store = nil
            c.broker = nil
            return current
        }
        var stopped: [String] = []
        for (name, child) in [("pipeline", c.pipeline), ("store", c.store), ("broker", c.broker)] {
            guard let child else { continue }
            child.signal(SIGTERM)
            var status = await child.waitForExit(timeout: .seconds(60))
            if status == nil {
                child.signal(SIGKILL)
                status = await child.waitForExit(timeout: .seconds(10))
                stopped.append("\(name) (killed after 60 s)")
            } else {
                stopped.append("\(name) (exit \(status!))")
            }
        }
        if !stopped.isEmpty { say("stopped " + stopped.joined(separator: ", ")) }
        if c.uncleanRestarts > 0 { say("\(c.uncleanRestarts) pipeline restarts did not exit 0; see \(path("pipeline.log"))") }
    }

    static func seconds(_ duration: Duration) -> String {
        let s = duration / .seconds(1)
        return s >= 10 ? "\(Int(s.rounded())) s" : String(format: "%.1f s", s)
    }
}
