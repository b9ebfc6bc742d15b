import Glibc
import Synchronization

/// Adds dimension fields from tables: keyed lookups, IPv4 ranges, user-agent rules.
///
/// Shared by all tasks of a process, so tables are loaded once: `enrich` may run for several
/// tasks at the same time (the tables are only read, the user-agent cache is locked), while
/// `refreshTables` runs only between batches, when no task is processing. A missing key, an address
/// in no range, an unparsable address or an unmatched user agent all give `unknownValue` for
/// each added field: the event is never dropped for a missing dimension.
public final class Enricher {
    public let definition: EnrichDefinition
    public let lookups: [(definition: EnrichDefinition.Lookup, table: ReloadingTable<KeyedTable>)]
    public let ipRanges: [(definition: EnrichDefinition.IPRange, table: ReloadingTable<IPv4RangeTable>)]
    public let userAgents: [(definition: EnrichDefinition.UserAgent, rules: ReloadingTable<UserAgentRules>)]
    /// The `Local` behind `enrich`.
    private let shared: Mutex<Local>
    /// User agents repeat heavily, and classifying one costs a few dozen substring scans, so
    /// each `Local` caches results per rules table; bounded by this, cleared when full or when
    /// the rules reload.
    public static let maxCachedUserAgents = 10_000

    /// Loads every table; `resolve` maps a path from the definition to a file path.
    public init(
        _ definition: EnrichDefinition, fileSystem: any TableFileSystem, checkInterval: Duration,
        now: Duration, resolve: (String) -> String
    ) throws(EngineError) {
        self.definition = definition
        var lookups: [(EnrichDefinition.Lookup, ReloadingTable<KeyedTable>)] = []
        for lookup in definition.lookups {
            let path = resolve(lookup.table)
            let table = try ReloadingTable(path: path, fileSystem: fileSystem, checkInterval: checkInterval, now: now) {
                bytes in
                let csv = try CSVTable.parse(String(decoding: bytes, as: UTF8.self), file: path)
                return try KeyedTable(csv: csv, file: path, keyColumn: lookup.keyColumn, fields: lookup.fields)
            }
            lookups.append((lookup, table))
        }
        var ranges: [(EnrichDefinition.IPRange, ReloadingTable<IPv4RangeTable>)] = []
        for range in definition.ipRanges {
            let path = resolve(range.table)
            let table = try ReloadingTable(path: path, fileSystem: fileSystem, checkInterval: checkInterval, now: now) {
                bytes in
                let csv = try CSVTable.parse(String(decoding: bytes, as: UTF8.self), file: path)
                return try IPv4RangeTable(csv: csv, file: path, fields: range.fields)
            }
            ranges.append((range, table))
        }
        var agents: [(EnrichDefinition.UserAgent, ReloadingTable<UserAgentRules>)] = []
        for agent in definition.userAgents {
            let path = resolve(agent.rules)
            let table = try ReloadingTable(path: path, fileSystem: fileSystem, checkInterval: checkInterval, now: now) {
                bytes in
                try UserAgentRules.parse(yaml: String(decoding: bytes, as: UTF8.self), file: path)
            }
            agents.append((agent, table))
        }
        self.lookups = lookups
        self.ipRanges = ranges
        self.userAgents = agents
        self.shared = Mutex(Local(unknownText: definition.unknownValue, userAgentCount: agents.count))
    }

    /// Checks every table's file (at most once per check interval) and reloads changed ones.
    /// Returns the errors of failed reloads, which keep the previous table.
    public func refreshTables(now: Duration) -> [String] {
        var errors: [String] = []
        for (_, table) in lookups {
            table.refreshIfNeeded(now: now)
            if let error = table.lastReloadError { errors.append("\(table.path): \(error)") }
        }
        for (_, table) in ipRanges {
            table.refreshIfNeeded(now: now)
            if let error = table.lastReloadError { errors.append("\(table.path): \(error)") }
        }
        for (_, table) in userAgents {
            table.refreshIfNeeded(now: now)
            if let error = table.lastReloadError { errors.append("\(table.path): \(error)") }
        }
        return errors
    }

    /// Enriches one event. For code outside a partition task (tests, tools): tasks use their
    /// own `Local`, which this wraps under a lock.
    public func enrich(_ event: inout Event) {
        shared.withLock { local in
            local.refresh(from: self)
            local.enrich(&event)
        }
    }

    /// A partition task's own handle on the enricher: the tables as of the start of its batch
    /// and its own user-agent cache.
    ///
    /// Why per task: tasks of one process run on several threads, and every reference the
    /// enrichment copied per event (the tables, their rows, the settings) was counted up and down
    /// from all of them on the same objects, bouncing those cache lines between the cores; the
    /// shared user-agent cache took a lock per event as well. A `Local` reads its copies in place
    /// and owns its cache. Tables reload only between batches, so a batch sees one version, as it
    /// did before.
    public struct Local: Sendable {
        private var lookups: [(keyField: String, table: KeyedTable)] = []
        private var ipRanges: [(field: String, table: IPv4RangeTable)] = []
        private var userAgents: [(field: String, rules: UserAgentRules, version: Int)] = []
        private var cache: UserAgentCache
        /// Where each lookup's key field, each range's address field and each user agent field
        /// was in the last event (`Event.FieldHint`).
        private var keyHints: [Event.FieldHint] = []
        private var addressHints: [Event.FieldHint] = []
        private var agentHints: [Event.FieldHint] = []
        private let unknown: JSONValue
        private let unknownText: String

        /// Without tables until `refresh`.
        init(unknownText: String, userAgentCount: Int) {
            self.unknown = .string(unknownText)
            self.unknownText = unknownText
            cache = UserAgentCache(count: userAgentCount)
        }

        /// Takes the enricher's current tables (after a reload, the new ones).
        public mutating func refresh(from enricher: Enricher) {
            lookups = enricher.lookups.map { ($0.definition.keyField, $0.table.table) }
            ipRanges = enricher.ipRanges.map { ($0.definition.field, $0.table.table) }
            userAgents = enricher.userAgents.map { ($0.definition.field, $0.rules.table, $0.rules.reloadCount) }
            if keyHints.count != lookups.count { keyHints = Array(repeating: .init(), count: lookups.count) }
            if addressHints.count != ipRanges.count { addressHints = Array(repeating: .init(), count: ipRanges.count) }
            if agentHints.count != userAgents.count { agentHints = Array(repeating: .init(), count: userAgents.count) }
        }

        public mutating func enrich(_ event: inout Event) {
            for i in lookups.indices {
                let values = event.value(of: lookups[i].keyField, hint: &keyHints[i])
                    .flatMap { Enricher.keyText($0) }.flatMap { lookups[i].table.values(for: $0) }
                for (f, name) in lookups[i].table.fields.enumerated() { event[name] = values?[f] ?? unknown }
            }
            for i in ipRanges.indices {
                // An address as it came in is parsed from the input's bytes, without decoding it.
                let address =
                    event.withPlainStringBytes(of: ipRanges[i].field, hint: &addressHints[i], IPv4RangeTable.parseAddress(utf8:))
                    ?? event.value(of: ipRanges[i].field, hint: &addressHints[i])?.stringValue.flatMap(IPv4RangeTable.parseAddress)
                let values = address.flatMap { ipRanges[i].table.values(for: $0) }
                for (f, name) in ipRanges[i].table.fields.enumerated() { event[name] = values?[f] ?? unknown }
            }
            for i in userAgents.indices {
                let version = userAgents[i].version
                let values: [JSONValue]
                // A user agent as it came in (no escapes) is looked up by its bytes, undecoded.
                var hint = agentHints[i]
                let plain = event.withPlainStringBytes(of: userAgents[i].field, hint: &hint) { bytes in
                    cache.values(i, UserAgentCache.hash(bytes), bytes, version: version)
                }
                agentHints[i] = hint
                if case .some(.some(let cached)) = plain {
                    values = cached
                } else if let ua = event[userAgents[i].field]?.stringValue {
                    var utf8 = ua
                    values = utf8.withUTF8 { bytes in
                        let hash = UserAgentCache.hash(bytes)
                        if plain == nil, let cached = cache.values(i, hash, bytes, version: version) {
                            return cached
                        }
                        let classified = userAgents[i].rules.classify(ua, unknown: unknownText).map { JSONValue.string($0) }
                        cache.store(i, hash, Array(bytes), classified, version: version)
                        return classified
                    }
                } else {
                    values = userAgents[i].rules.fieldNames.map { _ in unknown }
                }
                for (f, name) in userAgents[i].rules.fieldNames.enumerated() { event[name] = values[f] }
            }
        }
    }

    /// A new `Local` with the current tables and an empty cache.
    public func makeLocal() -> Local {
        var local = Local(unknownText: definition.unknownValue, userAgentCount: userAgents.count)
        local.refresh(from: self)
        return local
    }

    /// Lookup keys: strings as they are, integers as decimal text (a CSV key `42` matches a
    /// JSON `42` or `"42"`).
    static func keyText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): s
        case .integer(let i): String(i)
        default: nil
        }
    }
}

/// Classified user agents per rules table, dropped when the table reloads or the cache is full.
/// Keyed by a hash of the agent's UTF-8 and checked against its bytes, so a hit needs neither a
/// `String` nor hashing ~120 bytes with the standard (keyed, collision-resistant) hasher: the
/// agents come from the input, but a collision only costs a longer bucket scan.
private struct UserAgentCache: Sendable {
    struct Entry: Sendable {
        var bytes: [UInt8]
        var values: [JSONValue]
    }

    var entries: [[UInt64: [Entry]]]
    var counts: [Int]
    var versions: [Int]

    init(count: Int) {
        entries = Array(repeating: [:], count: count)
        counts = Array(repeating: 0, count: count)
        versions = Array(repeating: 0, count: count)
    }

    /// FNV-1a over the bytes, 8 at a time where possible.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = 0
        let raw = UnsafeRawBufferPointer(bytes)
        while i + 8 <= raw.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01b3
            h ^= h >> 29
            i += 8
        }
        while i < raw.count {
            h = (h ^ UInt64(raw[i])) &* 0x0000_0100_0000_01b3
            i += 1
        }
        return h
    }

    mutating func values(_ index: Int, _ hash: UInt64, _ bytes: UnsafeBufferPointer<UInt8>, version: Int) -> [JSONValue]? {
        if versions[index] != version {
            entries[index].removeAll()
            counts[index] = 0
            versions[index] = version
        }
        guard let bucket = entries[index][hash] else { return nil }
        for entry in bucket where entry.bytes.count == bytes.count {
            if bytes.isEmpty { return entry.values }
            if entry.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) {
                return entry.values
            }
        }
        return nil
    }

    mutating func store(_ index: Int, _ hash: UInt64, _ bytes: [UInt8], _ values: [JSONValue], version: Int) {
        guard versions[index] == version else { return }
        if counts[index] >= Enricher.maxCachedUserAgents {
            entries[index].removeAll()
            counts[index] = 0
        }
        entries[index][hash, default: []].append(Entry(bytes: bytes, values: values))
        counts[index] += 1
    }
}
