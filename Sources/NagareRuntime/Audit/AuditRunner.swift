import Foundation
public import Logging
import NagareCore
import NagareEngine
import NagareKafka

/// `nagare audit`: proves (or disproves) exactly-once end to end under chaos.
///
/// 1. Starts a broker (unless `--brokers`), creates the example pipeline's topics, starts W
///    pipeline processes and the store as child processes.
/// 2. Produces the generated events at a steady rate while the seeded chaos schedule kills and
///    restarts processes (and the broker), waiting after each kill until the victim recovered.
///    Recovery time: from the kill signal until the restarted worker's first committed batch,
///    or, when there is nothing left to read, until all its assigned partitions have committed
///    up to their end; for the store until it serves queries again; for the broker until every
///    worker has committed a batch after the restart, or the group's committed offsets, asked of
///    the restarted broker, are at the input's end.
/// 3. Waits until the group has committed every input offset, then checks independently with
///    its own read_committed consumers and the store's HTTP query endpoint.
public struct AuditRunner: Sendable {
    public let configuration: AuditConfiguration
    let logger: Logger

    public init(configuration: AuditConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs the audit; returns the report and whether every check passed.
    public func run(progress: @escaping @Sendable (String) -> Void) async throws -> (report: String, passed: Bool) {
        let c = configuration
        try c.validate()
        let started = ContinuousClock.now
        for (option, path) in [("--pipeline", c.pipelinePath), ("--datasource", c.datasourcePath)]
            where !FileManager.default.fileExists(atPath: path) {
            throw AuditError("\(option): \(path) not found (run from the repository root, or pass \(option) PATH)")
        }
        let definition: PipelineDefinition
        do { definition = try PipelineDefinition.load(path: c.pipelinePath) } catch {
            throw AuditError("--pipeline: \(error.message)")
        }
        guard let output = definition.sinks.output, let windows = definition.sinks.windows, let input = definition.source.topics.first else {
            throw AuditError("--pipeline: \(c.pipelinePath) needs an input topic and output and windows sinks, as examples/access-logs/pipeline.yml has")
        }
        let deadLetter = definition.sinks.deadLetter
        let datasource = try datasourceName(c.datasourcePath)

        let directory = c.workDirectory ?? NSTemporaryDirectory() + "nagare-audit-\(getpid())-\(Int(Date().timeIntervalSince1970))"
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        let cluster = AuditCluster(executable: ChildProcess.currentExecutable, configuration: c, workDirectory: directory)
        let supervisor = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                await cluster.supervise()
            }
        }
        var producing: Task<Void, any Error>?
        do {
            defer { supervisor.cancel() }
            if await cluster.ownsBroker { try await cluster.start(.broker) }
            let client = try ClientConfiguration(brokers: await cluster.bootstrap)
            progress("broker \(await cluster.bootstrap); work directory \(directory)")
            try await createTopics(client, input: input, outputs: [output, windows, deadLetter])

            let events = AuditEventGenerator(seed: c.seed).generate(count: c.events)
            for worker in await cluster.workers { try await cluster.start(worker) }
            try await cluster.start(.store)
            progress("\(c.workers) pipeline processes and the store started; producing \(c.events) events at \(c.rate)/s")

            let productionTime = Duration.milliseconds(Int64(c.events) * 1000 / Int64(c.rate))
            producing = Task { try await produce(events, topic: input, client: client) }
            var kills: [(what: String, signal: String)] = []
            var recoveries: [Double] = []
            let schedule = ChaosSchedule(configuration: c, productionTime: productionTime)
            let productionStart = ContinuousClock.now
            for (i, action) in schedule.actions.enumerated() {
                try await Task.sleep(until: productionStart + action.after)
                if case .worker = action.member { try await waitUntilProcessing(action.member, cluster: cluster) }
                let baseline = await batchesOfWorkers(cluster)
                let killedAt = ContinuousClock.now
                try await cluster.killAndRestart(action.member, signal: action.signal)
                kills.append((action.member.description, action.signalName))
                let recovered = try await waitForRecovery(of: action.member, cluster: cluster, baseline: baseline) {
                    await isDrained(client, group: definition.source.group, topic: input).drained
                }
                let seconds = (ContinuousClock.now - killedAt).auditSeconds
                if recovered { recoveries.append(seconds) }
                progress("kill \(i + 1)/\(schedule.actions.count): \(action.signalName) \(action.member) at \(String(format: "%.1f", (killedAt - productionStart).auditSeconds)) s; "
                         + (recovered ? "recovered in \(String(format: "%.1f", seconds)) s" : "not recovered within 180 s"))
            }
            try await producing?.value
            progress("all events produced; waiting for the pipeline to drain")
            try await drain(client, group: definition.source.group, topic: input)

            let reader = AuditTopicReader(client: client, logger: logger)
            var findings = AuditFindings()
            let verifier = AuditVerifier(events: events)
            let order = verifier.checkInput(try await reader.readAll(input), into: &findings)
            let reference = AuditReference(events: events, order: order)
            let enrichedCount = verifier.checkEnriched(try await reader.readAll(output), reference: reference, into: &findings)
            verifier.checkWindows(try await reader.readAll(windows), reference: reference, into: &findings)
            verifier.checkDeadLetters(try await reader.readAll(deadLetter), reference: reference, into: &findings)
            let perMinute = try await storeCounts(cluster, datasource: datasource, expectedTotal: enrichedCount)
            verifier.checkStore(perMinute, reference: reference, into: &findings)

            supervisor.cancel()
            await cluster.stopAll()
            // A temporary directory goes once the audit passed; a failed audit keeps its logs,
            // and --work-dir always does.
            let removes = c.workDirectory == nil && findings.passed
            if removes { try? FileManager.default.removeItem(atPath: directory) }
            let report = AuditReport(
                configuration: c, generated: events, reference: reference, findings: findings, kills: kills,
                recoverySeconds: recoveries, unplannedExits: await cluster.unplannedExits,
                workDirectory: removes ? "\(directory) (removed after the pass; --work-dir DIR keeps them)" : directory,
                elapsedSeconds: (ContinuousClock.now - started).auditSeconds)
            return (report.text, findings.passed)
        } catch {
            supervisor.cancel()
            producing?.cancel()
            // Not cancelled with this task (an interrupted audit still stops its children, and
            // their waits must not end early).
            await Task { await cluster.stopAll() }.value
            throw error
        }
    }

    private func datasourceName(_ path: String) throws -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix("name:") {
            let name = line.dropFirst(5).split(separator: "#").first?.trimmingCharacters(in: .whitespaces) ?? ""
            if !name.isEmpty { return name }
        }
        throw AuditError("--datasource: \(path) has no top-level `name:`")
    }

    /// The input and the pipeline's outputs, 6 partitions each; the input must not exist yet
    /// (earlier records would not be the generator's).
    private func createTopics(_ client: ClientConfiguration, input: String, outputs: [String]) async throws {
        let admin = try Admin(configuration: client, logger: logger)
        defer { admin.close() }
        if try await admin.listTopics().contains(where: { $0.name == input }) {
            throw AuditError("topic \(input) already exists at \(client.bootstrapServers.map(\.description).joined(separator: ",")); the audit needs a cluster without the example pipeline's topics")
        }
        try await admin.createTopics(([input] + outputs).map { NewTopic(name: $0, partitions: 6) })
    }

    /// Produces the events in order at `rate` per second (idempotent, so broker restarts neither
    /// lose nor repeat them), each with its `gen.seq` header, keyed by site.
    private func produce(_ events: [AuditEvent], topic: String, client: ClientConfiguration) async throws {
        var config = ProducerConfiguration(client: client)
        config.deliveryTimeoutMilliseconds = 600_000
        let producer = try Producer(configuration: config, logger: logger)
        let start = ContinuousClock.now
        var next = 0
        while next < events.count {
            let due = min(events.count, Int((ContinuousClock.now - start).auditSeconds * Double(configuration.rate)) + 1)
            while next < due {
                let e = events[next]
                try await producer.produce(OutgoingRecord(
                    topic: topic, key: Array(e.siteID.utf8), value: e.value,
                    headers: [RecordHeader(key: "gen.seq", string: String(e.seq))]))
                next += 1
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await producer.close(timeout: .seconds(600))
    }

    private func batchesOfWorkers(_ cluster: AuditCluster) async -> [AuditCluster.Member: Int] {
        var out: [AuditCluster.Member: Int] = [:]
        for w in await cluster.workers { out[w] = await cluster.progress(of: w)?.batches ?? 0 }
        return out
    }

    /// Waits (up to 60 s) until `worker` has committed a batch (or has nothing to read), so that
    /// a kill lands while it processes rather than while it joins the group.
    private func waitUntilProcessing(_ worker: AuditCluster.Member, cluster: AuditCluster) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let p = await cluster.progress(of: worker), p.batches > 0 || p.isCaughtUp { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// See the type's comment for what recovered means; false after 180 s.
    /// `drained`: asked of the restarted broker when a worker did not commit a batch (there may
    /// be nothing left to read).
    private func waitForRecovery(
        of member: AuditCluster.Member, cluster: AuditCluster, baseline: [AuditCluster.Member: Int],
        drained: () async -> Bool
    ) async throws -> Bool {
        if member == .store { return true }
        let watched = member == .broker ? await cluster.workers : [member]
        let deadline = ContinuousClock.now + .seconds(180)
        var pending = Set(watched)
        while ContinuousClock.now < deadline {
            for w in pending {
                guard let p = await cluster.progress(of: w) else { continue }
                // A restarted worker counts from zero (its baseline is that of the old process).
                let before = member == .broker && p.batches >= baseline[w, default: 0] ? baseline[w, default: 0] : 0
                if p.batches > before || (member != .broker && p.isCaughtUp) { pending.remove(w) }
            }
            if pending.isEmpty { return true }
            if member == .broker, await drained() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Waits until the group's committed offsets equal the input's end offsets.
    private func drain(_ client: ClientConfiguration, group: String, topic: String) async throws {
        let deadline = ContinuousClock.now + .seconds(configuration.drainTimeoutSeconds)
        var last = ""
        while ContinuousClock.now < deadline {
            let (drained, state) = await isDrained(client, group: group, topic: topic)
            if drained { return }
            last = state
            try await Task.sleep(for: .seconds(1))
        }
        throw AuditError("the pipeline did not drain within \(configuration.drainTimeoutSeconds) s: \(last)")
    }

    /// Whether the group has committed every input offset, and the offsets for messages.
    private func isDrained(_ client: ClientConfiguration, group: String, topic: String) async -> (drained: Bool, state: String) {
        guard let admin = try? Admin(configuration: client, logger: logger) else { return (false, "no admin client") }
        defer { admin.close() }
        let tps = (0..<Int32(6)).map { TopicPartition(topic, $0) }
        guard let committed = try? await admin.groupOffsets(group, partitions: tps) else { return (false, "group offsets unavailable") }
        var ends: [TopicPartition: Offset] = [:]
        for tp in tps { if let w = try? await admin.watermarks(tp) { ends[tp] = w.high } }
        let drained = ends.count == tps.count && tps.allSatisfy { committed[$0] == ends[$0] }
        return (drained, "committed \(tps.map { committed[$0].map(\.description) ?? "-" }), ends \(tps.map { ends[$0].map(\.description) ?? "?" })")
    }

    /// The store's events per event-time minute, once it has ingested `expectedTotal` events
    /// (or its total has not changed for 20 s).
    private func storeCounts(_ cluster: AuditCluster, datasource: String, expectedTotal: Int) async throws -> [Int64: Int] {
        let start = AuditEventGenerator.startMilliseconds
        let interval = AuditTimestamp.format(milliseconds: start - 86_400_000) + "/" + AuditTimestamp.format(milliseconds: start + 2 * 86_400_000)
        let query: [String: Any] = [
            "queryType": "timeseries", "dataSource": datasource, "granularity": "minute", "intervals": [interval],
            "aggregations": [["type": "longSum", "name": "events", "fieldName": "count"]],
        ]
        var counts: [Int64: Int] = [:]
        var lastTotal = -1
        var unchangedSince = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(180)
        while ContinuousClock.now < deadline {
            if let url = await cluster.urls[.store], let rows = try? await AuditHTTP.json(url + "/druid/v2", body: query) as? [[String: Any]] {
                counts = [:]
                for row in rows {
                    guard let ts = (row["timestamp"] as? String).flatMap(AuditTimestamp.parse),
                          let n = ((row["result"] as? [String: Any])?["events"] as? NSNumber)?.intValue else { continue }
                    if n != 0 { counts[ts] = n }
                }
                let total = counts.values.reduce(0, +)
                if total == expectedTotal { return counts }
                if total != lastTotal { lastTotal = total; unchangedSince = .now }
                if ContinuousClock.now - unchangedSince > .seconds(20) { return counts }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw AuditError("the store did not answer its Druid endpoint within 180 s")
    }
}

extension Duration {
    var auditSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
