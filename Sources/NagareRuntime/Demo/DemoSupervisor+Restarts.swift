import Foundation
import Synchronization

/// The pipeline restarts that show exactly-once at work.
extension DemoSupervisor {
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
}
