#if canImport(Glibc)
import Glibc
#endif

/// When the audit kills what, drawn from the seeded generator: `kills` process kills (workers
/// twice as likely as the store) and `brokerKills` broker SIGKILLs at uniformly random moments
/// while events are produced, in time order. A kill waits until the previous one has
/// recovered and, for a worker, until the victim has committed a batch (it is processing), so
/// a schedule can run past the end of production.
struct ChaosSchedule {
    struct Action {
        var after: Duration
        var member: AuditCluster.Member
        var signal: Int32
        var signalName: String { signal == SIGKILL ? "SIGKILL" : "SIGTERM" }
    }

    var actions: [Action] = []

    init(configuration c: AuditConfiguration, productionTime: Duration) {
        var rng = SeededRandom(seed: c.seed &* 0x2545_F491_4F6C_DD1D &+ 7)
        let seconds = Double(productionTime.components.seconds) + Double(productionTime.components.attoseconds) / 1e18
        func moment() -> Duration { .milliseconds(Int64((0.05 + 0.9 * rng.unit()) * seconds * 1000)) }
        for _ in 0..<c.kills {
            // With --at-least-once only workers are killed: the demonstration is about them.
            let pick = Int.random(in: 0..<(2 * c.workers + (c.atLeastOnce ? 0 : 1)), using: &rng)
            let member: AuditCluster.Member = pick == 2 * c.workers ? .store : .worker(pick / 2 + 1)
            let signal: Int32 = switch c.mode {
            case .sigkill: SIGKILL
            case .sigterm: SIGTERM
            case .mixed: rng.unit() < 0.5 ? SIGKILL : SIGTERM
            }
            actions.append(Action(after: moment(), member: member, signal: signal))
        }
        for _ in 0..<c.brokerKills {
            actions.append(Action(after: moment(), member: .broker, signal: SIGKILL))
        }
        actions.sort { $0.after < $1.after }
    }
}
