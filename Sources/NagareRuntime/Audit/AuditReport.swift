/// The audit's printed report: one line per figure, then the first mismatches.
struct AuditReport {
    var configuration: AuditConfiguration
    var generated: [AuditEvent]
    var reference: AuditReference
    var findings: AuditFindings
    var kills: [(what: String, signal: String)]
    var recoverySeconds: [Double]
    var unplannedExits: [String]
    var workDirectory: String
    var elapsedSeconds: Double

    var text: String {
        let c = configuration
        let duplicatesSent = generated.filter { $0.kind == .duplicate }.count
        let malformed = generated.filter { $0.kind.isMalformed }.count
        let sigkills = kills.filter { $0.signal == "SIGKILL" && $0.what != "broker" }.count
        let sigterms = kills.filter { $0.signal == "SIGTERM" }.count
        let brokerKills = kills.filter { $0.what == "broker" }.count
        let sorted = recoverySeconds.sorted()
        let p50 = sorted.isEmpty ? "-" : seconds(sorted[(sorted.count - 1) / 2])
        let max = sorted.last.map(seconds) ?? "-"
        let f = findings
        var lines = [
            "nagare audit: \(c.events) events at \(c.rate)/s, seed \(c.seed), \(c.workers) workers, delivery \(c.atLeastOnce ? "at-least-once" : "exactly-once")",
            "events in:      \(c.events) records: \(f.expectedEvents) distinct valid events, \(duplicatesSent) duplicates, \(malformed) malformed, \(reference.late.count) late beyond lateness",
            "events out:     \(f.enrichedRecords) enriched records",
            "lost:           \(f.lost)",
            "duplicated:     \(f.duplicated)",
            "unexpected:     \(f.unexpected)",
            "windows:        \(f.windowsWritten) written, \(f.windowsExpected) expected, \(f.windowsWrong) wrong",
            "dead letters:   \(f.deadLettersWritten) written, \(f.deadLettersExpected) expected, \(f.deadLettersWrong) wrong",
            "store minutes:  \(f.minutesChecked) checked, \(f.minuteMismatches) per-minute mismatches",
            "input:          \(f.inputProblems) problems",
            "kills done:     \(kills.count) (SIGKILL \(sigkills), SIGTERM \(sigterms), broker \(brokerKills)); unplanned exits \(unplannedExits.count)",
            "recovery:       p50 \(p50), max \(max) (kill → the restarted worker's first committed batch or its partitions caught up; store: serving; broker: every worker committed or the group at the input's end)",
            "elapsed:        \(seconds(elapsedSeconds)); logs in \(workDirectory)",
        ]
        for exit in unplannedExits.prefix(5) { lines.append("unplanned:      \(exit)") }
        if !f.examples.isEmpty {
            lines.append("first mismatches:")
            lines += f.examples.map { "  \($0)" }
        }
        lines.append("result:         \(f.passed ? "PASS" : "FAIL")")
        return lines.joined(separator: "\n")
    }

    private func seconds(_ s: Double) -> String {
        let tenths = Int((s * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
