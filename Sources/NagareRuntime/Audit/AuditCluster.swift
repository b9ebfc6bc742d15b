#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The processes an audit runs and kills: the broker (unless `--brokers` names one), the
/// pipeline's worker processes and the store, each a `ChildProcess` of this executable with its
/// log in the audit's work directory. It also restarts any of them that ends without being
/// killed by the audit (an "unplanned exit", reported).
actor AuditCluster {
    enum Member: Hashable, CustomStringConvertible {
        case broker, store, worker(Int)
        var description: String {
            switch self {
            case .broker: "broker"
            case .store: "store"
            case .worker(let i): "worker \(i)"
            }
        }
    }

    let executable: String
    let configuration: AuditConfiguration
    let workDirectory: String
    private(set) var bootstrap: String
    private var brokerListen = "127.0.0.1:0"
    private var processes: [Member: ChildProcess] = [:]
    /// Where each worker serves its status, and the store its queries.
    private(set) var urls: [Member: String] = [:]
    /// Members the audit is killing or restarting: not to be restarted by supervision.
    private var handling: Set<Member> = []
    private(set) var unplannedExits: [String] = []
    /// Set by `stopAll`: nothing is restarted any more.
    private var stopping = false

    init(executable: String, configuration: AuditConfiguration, workDirectory: String) {
        self.executable = executable
        self.configuration = configuration
        self.workDirectory = workDirectory
        self.bootstrap = configuration.brokers ?? ""
    }

    var ownsBroker: Bool { configuration.brokers == nil }

    func log(_ member: Member) -> String {
        let name = switch member {
        case .broker: "broker"
        case .store: "serve"
        case .worker(let i): "run-\(i)"
        }
        return "\(workDirectory)/logs/\(name).log"
    }

    func start(_ member: Member) async throws {
        let timeout = Duration.seconds(90)
        switch member {
        case .broker:
            let p = try ChildProcess(executable: executable, arguments: [
                "broker", "--data-dir", "\(workDirectory)/broker", "--listen", brokerListen, "--partitions", "6",
            ], logFile: log(member))
            processes[member] = p
            let line = try await p.waitForLine(timeout: timeout) { $0.contains("listening on ") }
            // `listening on HOST:PORT[, advertising HOST:PORT]`
            let address = String(line[line.range(of: "listening on ")!.upperBound...]
                .prefix { $0 != "," && $0 != " " })
            // Restarts listen on the same port: the clients keep their bootstrap address.
            brokerListen = address
            bootstrap = address
        case .worker(let i):
            var arguments = ["run", configuration.pipelinePath, "--brokers", bootstrap, "--instance", "\(i)",
                             "--status", "127.0.0.1:0", "--log-level", "info"]
            if configuration.atLeastOnce { arguments += ["--delivery", "at-least-once"] }
            let p = try ChildProcess(executable: executable, arguments: arguments, logFile: log(member))
            processes[member] = p
            let line = try await p.waitForLine(timeout: timeout) { $0.hasPrefix("status http://") }
            urls[member] = String(line.dropFirst("status ".count)).trimmingCharacters(in: .whitespaces)
        case .store:
            let p = try ChildProcess(executable: executable, arguments: [
                "serve", "--config", configuration.datasourcePath, "--brokers", bootstrap, "--http", "127.0.0.1:0",
                "--data-dir", "\(workDirectory)/store", "--log-level", "info",
            ], logFile: log(member))
            processes[member] = p
            let line = try await p.waitForLine(timeout: timeout) { $0.contains("serving http://") }
            urls[member] = String(line[line.range(of: "serving ")!.lowerBound...].dropFirst("serving ".count))
                .trimmingCharacters(in: .whitespaces)
        }
    }

    /// Sends `signal` to `member`, waits for it to end (SIGTERM: up to 60 s, then SIGKILL) and
    /// starts it again. Returns when the new process is up (its address printed).
    func killAndRestart(_ member: Member, signal: Int32) async throws {
        // Supervision may be restarting it right now.
        while handling.contains(member) { try await Task.sleep(for: .milliseconds(50)) }
        guard !stopping else { return }
        handling.insert(member)
        defer { handling.remove(member) }
        guard let p = processes[member] else { return }
        p.signal(signal)
        if await p.waitForExit(timeout: .seconds(60)) == nil {
            p.signal(SIGKILL)
            _ = await p.waitForExit(timeout: .seconds(30))
            unplannedExits.append("\(member) did not stop within 60 s of SIGTERM: killed")
        }
        try await start(member)
    }

    /// Restarts members that ended on their own.
    func supervise() async {
        for (member, p) in processes where !handling.contains(member) {
            guard !stopping, !p.isRunning else { continue }
            let status = await p.waitForExit(timeout: .zero) ?? -1
            unplannedExits.append("\(member) exited with status \(status) (see \(log(member)))")
            handling.insert(member)
            do { try await start(member) } catch {
                unplannedExits.append("\(member) could not be restarted: \(error)")
            }
            handling.remove(member)
        }
    }

    /// A worker's progress, nil when its status cannot be read (e.g. it is restarting).
    func progress(of member: Member) async -> WorkerProgress? {
        guard let url = urls[member], let json = try? await AuditHTTP.json(url + "/status", timeout: 3) else { return nil }
        return WorkerProgress(statusJSON: json)
    }

    var workers: [Member] { (1...configuration.workers).map { Member.worker($0) } }

    /// Stops everything gracefully (workers, store, then the broker).
    func stopAll() async {
        stopping = true
        handling.formUnion(processes.keys)
        let order = workers + [.store, .broker]
        for member in order {
            guard let p = processes[member] else { continue }
            p.signal(SIGTERM)
            if await p.waitForExit(timeout: .seconds(60)) == nil {
                p.signal(SIGKILL)
                _ = await p.waitForExit(timeout: .seconds(10))
            }
        }
    }
}
