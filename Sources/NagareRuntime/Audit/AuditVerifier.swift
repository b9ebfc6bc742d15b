import Foundation
import NagareCore

/// The audit's checks of what the pipeline and the store wrote, against the generator's facts.
struct AuditFindings {
    /// Distinct valid events the enriched topic must hold.
    var expectedEvents = 0
    var enrichedRecords = 0
    var lost = 0
    var duplicated = 0
    var unexpected = 0
    var windowsExpected = 0
    var windowsWritten = 0
    var windowsWrong = 0
    var deadLettersExpected = 0
    var deadLettersWritten = 0
    var deadLettersWrong = 0
    var minutesChecked = 0
    var minuteMismatches = 0
    var inputProblems = 0
    /// The first few mismatches, in words.
    var examples: [String] = []

    var passed: Bool {
        lost == 0 && duplicated == 0 && unexpected == 0 && windowsWrong == 0 && deadLettersWrong == 0
            && minuteMismatches == 0 && inputProblems == 0
    }

    mutating func note(_ text: @autoclosure () -> String) {
        if examples.count < 12 { examples.append(text()) }
    }
}

struct AuditVerifier {
    let events: [AuditEvent]

    /// The input as the broker stored it: each generated record exactly once; returns the
    /// per-partition order of `gen.seq` for the reference.
    func checkInput(_ raw: [Int32: [Record]], into f: inout AuditFindings) -> [Int32: [Int]] {
        var order: [Int32: [Int]] = [:]
        var count = [Int](repeating: 0, count: events.count)
        for (partition, records) in raw {
            for r in records {
                guard let seq = r.generatorSequence, seq >= 0, seq < events.count else {
                    f.inputProblems += 1
                    f.note("input \(r.topicPartition)@\(r.offset) has no valid gen.seq header")
                    continue
                }
                count[seq] += 1
                if count[seq] == 1 { order[partition, default: []].append(seq) }
            }
        }
        for (seq, n) in count.enumerated() where n != 1 {
            f.inputProblems += 1
            f.note("input record gen.seq=\(seq) is \(n) times in the input topic")
        }
        return order
    }

    func checkEnriched(_ records: [Int32: [Record]], reference: AuditReference, into f: inout AuditFindings) -> Int {
        var seen: [String: Int] = [:]
        for r in records.values.joined() {
            f.enrichedRecords += 1
            guard let value = r.value, let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any],
                  let id = object["event_id"] as? String else {
                f.unexpected += 1
                f.note("enriched \(r.topicPartition)@\(r.offset) is not an event with an event_id")
                continue
            }
            seen[id, default: 0] += 1
        }
        f.expectedEvents = reference.enrichedIDs.count
        for (id, n) in seen.sorted(by: { $0.key < $1.key }) {
            if !reference.enrichedIDs.contains(id) {
                f.unexpected += n
                f.note("event \(id) in the enriched topic should not be there")
            } else if n > 1 {
                f.duplicated += n - 1
                f.note("event \(id) is \(n) times in the enriched topic")
            }
        }
        for id in reference.enrichedIDs.sorted() where seen[id] == nil {
            f.lost += 1
            f.note("event \(id) is missing from the enriched topic")
        }
        return f.enrichedRecords
    }

    func checkWindows(_ records: [Int32: [Record]], reference: AuditReference, into f: inout AuditFindings) {
        var written: [AuditReference.WindowKey: (count: Int, revenue: Double)] = [:]
        f.windowsExpected = reference.windows.count
        for r in records.values.joined() {
            f.windowsWritten += 1
            guard let value = r.value, let o = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any],
                  let site = o["site_id"] as? String, let startText = o["window_start"] as? String,
                  let start = AuditTimestamp.parse(startText), let count = o["count"] as? Int,
                  let revenue = (o["revenue_sum"] as? NSNumber)?.doubleValue else {
                f.windowsWrong += 1
                f.note("window \(r.topicPartition)@\(r.offset) is not a window result")
                continue
            }
            let key = AuditReference.WindowKey(siteID: site, startMilliseconds: start)
            if written[key] != nil {
                f.duplicated += count
                f.windowsWrong += 1
                f.note("window \(site) \(startText) written twice")
            }
            written[key] = (count, revenue)
        }
        for key in Set(written.keys).union(reference.windows.keys).sorted() {
            let at = "window \(key.siteID) \(AuditTimestamp.format(milliseconds: key.startMilliseconds))"
            switch (written[key], reference.windows[key]) {
            case (nil, let want?):
                f.windowsWrong += 1
                f.note("\(at) missing (expected count \(want.count))")
            case (let got?, nil):
                f.windowsWrong += 1
                f.note("\(at) should not be there (count \(got.count))")
            case (let got?, let want?):
                let cents = Double(want.revenueCents) / 100
                if got.count != want.count || abs(got.revenue - cents) > 1e-6 * max(1, abs(cents)) {
                    f.windowsWrong += 1
                    f.note("\(at): count \(got.count) revenue \(got.revenue), expected \(want.count) \(cents)")
                }
            case (nil, nil): break
            }
        }
    }

    func checkDeadLetters(_ records: [Int32: [Record]], reference: AuditReference, into f: inout AuditFindings) {
        let expected = reference.malformed.union(reference.late)
        f.deadLettersExpected = expected.count
        var seen: [Int: Int] = [:]
        for r in records.values.joined() {
            f.deadLettersWritten += 1
            guard let seq = r.generatorSequence else {
                f.deadLettersWrong += 1
                f.note("dead letter \(r.topicPartition)@\(r.offset) has no gen.seq header")
                continue
            }
            seen[seq, default: 0] += 1
        }
        for (seq, n) in seen.sorted(by: { $0.key < $1.key }) {
            if !expected.contains(seq) {
                f.deadLettersWrong += n
                f.note("record gen.seq=\(seq) (\(events[safe: seq]?.kind.rawValue ?? "?")) dead-lettered but should not be")
            } else if n > 1 {
                f.deadLettersWrong += n - 1
                f.duplicated += n - 1
                f.note("record gen.seq=\(seq) dead-lettered \(n) times")
            }
        }
        for seq in expected.sorted() where seen[seq] == nil {
            f.deadLettersWrong += 1
            f.lost += 1
            f.note("record gen.seq=\(seq) (\(events[seq].kind.rawValue)) missing from the dead-letter topic")
        }
    }

    /// `counts`: the store's events per event-time minute.
    func checkStore(_ counts: [Int64: Int], reference: AuditReference, into f: inout AuditFindings) {
        let minutes = Set(counts.keys).union(reference.perMinute.keys).sorted()
        f.minutesChecked = minutes.count
        for minute in minutes {
            let got = counts[minute] ?? 0, want = reference.perMinute[minute] ?? 0
            if got != want {
                f.minuteMismatches += 1
                f.note("store minute \(AuditTimestamp.format(milliseconds: minute)): \(got) events, the generator's \(want)")
            }
        }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
