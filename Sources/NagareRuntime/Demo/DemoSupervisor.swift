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
    private let children = Mutex(Children())
    private let failure = Mutex<String?>(nil)
    private let stopRequests: AsyncStream<Void>
    private let stopContinuation: AsyncStream<Void>.Continuation

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
    private let stopRequested = Mutex(false)

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

    private let pipelineStatusPort = Mutex(0)
    private let pipelineBrokers = Mutex("")

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
        let line = try await child.waitForLine(timeout: timeout) { $0.hasPrefix(prefix) }
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

    // MARK: Running

    func runGenerator(brokers: String, storeURL: String, tables: DemoExampleTables, counts: GeneratorCounts) async throws -> Bool {
        var producerConfiguration = ProducerConfiguration(client: try ClientConfiguration(brokers: brokers))
        producerConfiguration.lingerMilliseconds = 20
        let producer = try Producer(configuration: producerConfiguration, logger: logger)
        var curve = TrafficCurve(peakRate: options.rate)
        curve.dayLength = options.dayLength
        let startMilliseconds = UInt64(Date().timeIntervalSince1970 * 1000)
        let generatorOptions = AccessLogGenerator.Options(
            curve: curve, countsFile: path("generator-counts.json"),
            runID: "d" + String(startMilliseconds, radix: 36), seed: startMilliseconds)
        let generator = AccessLogGenerator(options: generatorOptions, tables: tables, startingFrom: counts, logger: logger)
        let store = StoreCountsClient(baseURL: storeURL, datasource: Self.datasource)
        say("generator \(Int(options.rate)) events/s at the evening peak, a simulated day every \(Self.seconds(options.dayLength)); counts: \(generatorOptions.countsFile)")
        if let every = options.restartEvery {
            let how = ["terminate": "SIGTERM", "kill": "SIGKILL", "alternate": "SIGTERM and SIGKILL in turn"][options.restartSignal.rawValue]!
            say("restarts  the pipeline every \(Self.seconds(every)) (\(how), then started again)")
        }
        say(options.duration.map { "running for \(Self.seconds($0))" } ?? "Ctrl-C to stop")

        let generating = Task {
            do { try await generator.run(producer: producer) } catch {
                self.fail("the generator stopped: \(error)")
            }
        }
        let restarting = Task { await restartLoop() }
        let watching = Task { await watchLoop(generator: generator, store: store) }
        let byDuration = await waitForEnd()
        restarting.cancel()
        await restarting.value
        generating.cancel()
        await generating.value
        watching.cancel()
        await watching.value
        try? await producer.close(timeout: .seconds(10))

        if let failure = failure.withLock({ $0 }) { throw DemoError(failure) }
        let final = generator.counts
        let restarts = children.withLock { $0.restarts }
        say("generator stopped: \(final.events) distinct events in \(final.minutes.count) minutes (\(final.records) records: \(final.duplicates) duplicates, \(final.late) late, \(final.malformed) malformed); \(restarts) pipeline restarts")
        guard byDuration else { return true }
        let matched = await compare(store: store, with: final)
        if options.keepRunning {
            say("the broker, pipeline, store and dashboard keep running; Ctrl-C to stop")
            _ = await waitForEnd(ignoringDuration: true)
        }
        return matched
    }

    /// Waits for `requestStop()`, a failure or (unless told otherwise) the end of `duration`;
    /// returns whether the duration ended it.
    func waitForEnd(ignoringDuration: Bool = false) async -> Bool {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                for await _ in self.stopRequests { return false }
                return nil
            }
            if let duration = options.duration, !ignoringDuration {
                group.addTask {
                    do { try await Task.sleep(for: duration) } catch { return nil }
                    return true
                }
            }
            var result = false
            for await value in group {
                if let value { result = value; break }
            }
            group.cancelAll()
            return result
        }
    }

    func fail(_ message: String) {
        let first = failure.withLock { current -> Bool in
            guard current == nil else { return false }
            current = message
            return true
        }
        if first { stopContinuation.yield() }
    }

    /// Every `restartEvery`: SIGTERM to the pipeline, wait for exit 0, start it again.
    func restartLoop() async {
        guard let every = options.restartEvery else { return }
        while !Task.isCancelled {
            do { try await Task.sleep(for: every) } catch { return }
            // Not cut short by the demo ending: a half-done restart would leave no pipeline.
            await Task { await self.restartPipeline() }.value
        }
    }

    /// Stops the pipeline with SIGTERM (SIGKILL after 60 s), starts it again and says how it
    /// went. With `afterExit` the pipeline has already ended on its own: it is only started
    /// again, and that is not counted as a restart.
    func restartPipeline(afterExit: Bool = false) async {
        guard let old = children.withLock({ c -> ChildProcess? in
            guard let pipeline = c.pipeline, !c.restarting else { return nil }
            c.restarting = true
            return pipeline
        }) else { return }
        defer { children.withLock { $0.restarting = false } }
        let number = afterExit ? 0 : children.withLock { c -> Int in c.restarts += 1; return c.restarts }
        let began = ContinuousClock.now
        let signal = options.restartSignal.signal(forRestart: number)
        if !afterExit { old.signal(signal) }
        var status = await old.waitForExit(timeout: .seconds(60))
        let stoppedAfter = ContinuousClock.now - began
        if status == nil {
            old.signal(SIGKILL)
            status = await old.waitForExit(timeout: .seconds(10))
        }
        let clean = afterExit || status == (signal == SIGKILL ? 128 + SIGKILL : 0)
        if !clean { children.withLock { $0.uncleanRestarts += 1 } }
        let statusText = status.map { "exit \($0)" } ?? "did not exit"
        let what = afterExit ? "starting the pipeline again" : "restart \(number)"
        do {
            let brokers = pipelineBrokers.withLock { $0 }
            let port = pipelineStatusPort.withLock { $0 }
            _ = try await startPipeline(brokers: brokers, statusPort: port)
            let ready = "ready again after \(Self.seconds(ContinuousClock.now - began))"
            if afterExit {
                say("pipeline started again after it exited (\(statusText)), \(ready)")
            } else {
                say("restart \(number): pipeline stopped with \(signal == SIGKILL ? "SIGKILL" : "SIGTERM") (\(statusText) after \(Self.seconds(stoppedAfter))), \(ready)\(clean ? "" : "; see \(path("pipeline.log"))")")
            }
        } catch {
            fail("\(what): the pipeline (\(statusText)) did not start again: \(error)")
        }
    }

    /// Every second: the broker and store must be running, and the pipeline too unless it is
    /// being restarted (if it died, it is started again, as a supervisor would). Every
    /// `progressInterval`: one progress line.
    func watchLoop(generator: AccessLogGenerator, store: StoreCountsClient) async {
        let start = ContinuousClock.now
        var lastProgress = start
        var lastRecords = generator.counts.records
        var unexpectedExits: [ContinuousClock.Instant] = []
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
            let c = children.withLock { $0 }
            for (name, child) in [("broker", c.broker), ("store", c.store)] {
                if let child, !child.isRunning {
                    let status = await child.waitForExit(timeout: .zero).map { String($0) } ?? "?"
                    fail("the \(name) exited with status \(status); see \(child.logFile)")
                    return
                }
            }
            if let pipeline = c.pipeline, !c.restarting, !pipeline.isRunning {
                let status = await pipeline.waitForExit(timeout: .zero).map { String($0) } ?? "?"
                let now = ContinuousClock.now
                unexpectedExits = unexpectedExits.filter { now - $0 < .seconds(60) } + [now]
                // A pipeline that cannot run (a bad state, a bad file) would fail again at once:
                // give up after three exits in a minute, with its own error message.
                if unexpectedExits.count >= 3 {
                    let reason = Self.lastErrorLine(of: pipeline.logFile).map { ": \($0)" } ?? ""
                    fail("the pipeline keeps exiting (status \(status), 3 times within a minute)\(reason); see \(pipeline.logFile) (if \(data) holds data of an earlier nagare version, start over with another --data-dir)")
                    return
                }
                say("the pipeline exited with status \(status) without being asked (see \(pipeline.logFile)); starting it again")
                await Task { await self.restartPipeline(afterExit: true) }.value
            }
            let now = ContinuousClock.now
            if now - lastProgress >= options.progressInterval {
                let counts = generator.counts
                let rate = Double(counts.records - lastRecords) / ((now - lastProgress) / .seconds(1))
                lastProgress = now
                lastRecords = counts.records
                let stored = (try? await store.eventsPerMinute().values.reduce(0, +)).map(String.init) ?? "?"
                var curve = TrafficCurve(peakRate: options.rate)
                curve.dayLength = options.dayLength
                let hour = curve.hour(after: now - start)
                say("[\(Self.seconds(now - start))] simulated \(String(format: "%02d:%02d", Int(hour), Int(hour * 60) % 60)), \(Int(rate)) records/s; generated \(counts.events) events (\(counts.duplicates) duplicates, \(counts.late) late, \(counts.malformed) malformed); store \(stored); restarts \(c.restarts)")
            }
        }
    }

    /// Waits (up to `drainTimeout`) for the store to show exactly the generator's per-minute
    /// counts, then says whether it does.
    func compare(store: StoreCountsClient, with counts: GeneratorCounts) async -> Bool {
        let deadline = ContinuousClock.now + options.drainTimeout
        var stored: [String: Int] = [:]
        while true {
            stored = (try? await store.eventsPerMinute()) ?? stored
            if stored == counts.minutes || ContinuousClock.now >= deadline { break }
            if stopRequested.withLock({ $0 }) {
                say("stopped before the store caught up with the generator")
                return true
            }
            try? await Task.sleep(for: .seconds(1))
        }
        if stored == counts.minutes {
            say("store matches the generator: \(counts.events) events in \(counts.minutes.count) minutes, every minute equal (no dip, no spike)")
            return true
        }
        let minutes = Set(stored.keys).union(counts.minutes.keys).sorted()
        let differing = minutes.filter { stored[$0] != counts.minutes[$0] }
        say("store differs from the generator in \(differing.count) of \(minutes.count) minutes after \(Self.seconds(options.drainTimeout)):")
        for minute in differing.prefix(20) {
            say("  \(minute)  store \(stored[minute] ?? 0)  generator \(counts.minutes[minute] ?? 0)")
        }
        return false
    }

    /// The last `Error: ...` line a command printed (nagare's one-line failure message).
    static func lastErrorLine(of logFile: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: logFile) else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 65_536 ? size - 65_536 : 0)
        let tail = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        return tail.split(separator: "\n").last { $0.hasPrefix("Error: ") }.map(String.init)
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
