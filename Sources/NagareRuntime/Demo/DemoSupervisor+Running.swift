import Foundation
import NagareKafka
import Synchronization

/// The demo's running phase: the generator, the watch over the children and progress lines,
/// and the final comparison of the store with the generator.
extension DemoSupervisor {

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
}
