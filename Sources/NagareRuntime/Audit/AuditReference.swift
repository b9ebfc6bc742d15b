/// What the example pipeline (examples/access-logs/pipeline.yml) must have written for the
/// generated events, computed from the generator's facts and the input's actual order per
/// partition, with the pipeline's documented semantics (docs/pipeline-yaml.md) re-stated here:
///
/// - validate: the malformed records go to the dead-letter topic;
/// - dedup by event_id within 10 minutes of event time per partition (a key is forgotten once
///   the partition's newest event time is more than 10 minutes past it);
/// - tumbling 1-minute windows per site with the watermark `newest event time - maxDelay (10 s)`
///   per partition; a window is emitted once the watermark passes its end plus the allowed
///   lateness (1 minute); an event whose window is past that is dead-lettered as late (it is
///   still in the enriched output, which comes before the window).
public struct AuditReference: Sendable {
    public struct WindowKey: Hashable, Sendable, Comparable {
        public var siteID: String
        public var startMilliseconds: Int64
        public static func < (a: Self, b: Self) -> Bool {
            (a.startMilliseconds, a.siteID) < (b.startMilliseconds, b.siteID)
        }
    }

    public struct WindowValue: Hashable, Sendable {
        public var count = 0
        public var revenueCents = 0
    }

    static let dedupWindowMilliseconds: Int64 = 10 * 60_000
    static let windowMilliseconds: Int64 = 60_000
    static let maxDelayMilliseconds: Int64 = 10_000
    static let allowedLatenessMilliseconds: Int64 = 60_000

    /// Event ids every one of which must appear exactly once in the enriched topic.
    public var enrichedIDs: Set<String> = []
    /// Closed windows: exactly these, each once.
    public var windows: [WindowKey: WindowValue] = [:]
    /// `gen.seq` of records rejected as malformed.
    public var malformed: Set<Int> = []
    /// `gen.seq` of valid events beyond the allowed lateness.
    public var late: Set<Int> = []
    /// Event-time minute → enriched events in it (what the store must count).
    public var perMinute: [Int64: Int] = [:]
    public var duplicatesDropped = 0

    /// `order`: per input partition, the `gen.seq` of its records in offset order.
    public init(events: [AuditEvent], order: [Int32: [Int]]) {
        for (_, seqs) in order.sorted(by: { $0.key < $1.key }) {
            simulate(partition: seqs, events: events)
        }
    }

    private mutating func simulate(partition seqs: [Int], events: [AuditEvent]) {
        var seen: [String: Int64] = [:]
        var expiry = TimeHeap()
        var dedupMax: Int64?
        var windowMax: Int64?
        var open: [WindowKey: WindowValue] = [:]
        for seq in seqs {
            let e = events[seq]
            if e.kind.isMalformed {
                malformed.insert(seq)
                continue
            }
            let t = e.timeMilliseconds
            if dedupMax == nil || t > dedupMax! {
                dedupMax = t
                while let oldest = expiry.peek(), oldest.time < t - Self.dedupWindowMilliseconds {
                    expiry.pop()
                    if seen[oldest.key] == oldest.time { seen[oldest.key] = nil }
                }
            }
            if let s = seen[e.eventID], abs(s - t) <= Self.dedupWindowMilliseconds {
                duplicatesDropped += 1
                continue
            }
            if let s = seen[e.eventID], s > t {
                // An older, far-away occurrence: not a duplicate; the newer time is kept.
            } else if t >= dedupMax! - Self.dedupWindowMilliseconds {
                seen[e.eventID] = t
                expiry.push(time: t, key: e.eventID)
            }
            enrichedIDs.insert(e.eventID)
            perMinute[t - t % Self.windowMilliseconds, default: 0] += 1

            if windowMax == nil || t > windowMax! {
                windowMax = t
                let mark = t - Self.maxDelayMilliseconds
                for key in open.keys where mark >= key.startMilliseconds + Self.windowMilliseconds + Self.allowedLatenessMilliseconds {
                    windows[key] = open.removeValue(forKey: key)
                }
            }
            let mark = windowMax! - Self.maxDelayMilliseconds
            let start = t - t % Self.windowMilliseconds
            if mark >= start + Self.windowMilliseconds + Self.allowedLatenessMilliseconds {
                late.insert(seq)
                continue
            }
            open[WindowKey(siteID: e.siteID, startMilliseconds: start), default: WindowValue()].count += 1
            open[WindowKey(siteID: e.siteID, startMilliseconds: start)]!.revenueCents += e.revenueCents
        }
    }
}

/// A binary min-heap of (event time, key) for the dedup expiry.
struct TimeHeap {
    private var items: [(time: Int64, key: String)] = []

    func peek() -> (time: Int64, key: String)? { items.first }

    mutating func push(time: Int64, key: String) {
        items.append((time, key))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].time < items[parent].time else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < items.count && items[l].time < items[smallest].time { smallest = l }
            if r < items.count && items[r].time < items[smallest].time { smallest = r }
            if smallest == i { return }
            items.swapAt(i, smallest)
            i = smallest
        }
    }
}
