/// The Kafka APIs Nagare speaks, with the versions it supports for each.
///
/// This table is the single source of truth for version negotiation: the broker's ApiVersions
/// response is generated from it (`ApiVersionsResponse.ApiVersion.nagareSupported`), and every
/// message decoder rejects versions outside it, so advertising and parsing cannot drift apart.
/// API keys not listed here are answered by the broker as unsupported; `RequestHeader` keeps the
/// raw `Int16` so that such requests can still be parsed far enough to reply.
public enum ApiKey: Int16, CaseIterable, Sendable, CustomStringConvertible {
    case produce = 0
    case fetch = 1
    case listOffsets = 2
    case metadata = 3
    case offsetCommit = 8
    case offsetFetch = 9
    case findCoordinator = 10
    case joinGroup = 11
    case heartbeat = 12
    case leaveGroup = 13
    case syncGroup = 14
    case describeGroups = 15
    case listGroups = 16
    case apiVersions = 18
    case createTopics = 19
    case deleteTopics = 20
    case initProducerID = 22
    case addPartitionsToTxn = 24
    case addOffsetsToTxn = 25
    case endTxn = 26
    case txnOffsetCommit = 28
    case describeConfigs = 32

    /// One row of the table: the protocol guide's name, the versions Nagare encodes and decodes,
    /// and the first version that uses the flexible (compact + tagged fields) encoding.
    ///
    /// The minimum versions follow what today's clients send: librdkafka 2.x, the Java client
    /// and kafka-python all negotiate within these ranges. Produce starts at 3 and Fetch at 4
    /// because older versions carry the pre-RecordBatch message formats, which Nagare's log does
    /// not store. `firstFlexibleVersion` is Kafka's, even where it is above Nagare's maximum, so
    /// that headers of too-new requests are still parsed correctly before being refused.
    public var spec: (name: String, versions: ClosedRange<Int16>, firstFlexibleVersion: Int16) {
        switch self {
        case .produce: ("Produce", 3...9, 9)
        case .fetch: ("Fetch", 4...12, 12)
        case .listOffsets: ("ListOffsets", 1...6, 6)
        case .metadata: ("Metadata", 0...9, 9)
        case .offsetCommit: ("OffsetCommit", 0...8, 8)
        case .offsetFetch: ("OffsetFetch", 0...7, 6)
        case .findCoordinator: ("FindCoordinator", 0...3, 3)
        case .joinGroup: ("JoinGroup", 0...6, 6)
        case .heartbeat: ("Heartbeat", 0...4, 4)
        case .leaveGroup: ("LeaveGroup", 0...4, 4)
        case .syncGroup: ("SyncGroup", 0...4, 4)
        case .describeGroups: ("DescribeGroups", 0...5, 5)
        case .listGroups: ("ListGroups", 0...4, 3)
        case .apiVersions: ("ApiVersions", 0...3, 3)
        case .createTopics: ("CreateTopics", 0...5, 5)
        case .deleteTopics: ("DeleteTopics", 0...4, 4)
        case .initProducerID: ("InitProducerId", 0...4, 2)
        case .addPartitionsToTxn: ("AddPartitionsToTxn", 0...3, 3)
        case .addOffsetsToTxn: ("AddOffsetsToTxn", 0...3, 3)
        case .endTxn: ("EndTxn", 0...3, 3)
        case .txnOffsetCommit: ("TxnOffsetCommit", 0...3, 3)
        case .describeConfigs: ("DescribeConfigs", 0...4, 4)
        }
    }

    /// The protocol guide's name, e.g. `InitProducerId`.
    public var name: String { spec.name }

    /// The versions Nagare can encode and decode.
    public var supportedVersions: ClosedRange<Int16> { spec.versions }

    /// The first version using compact strings/arrays and tagged fields.
    public var firstFlexibleVersion: Int16 { spec.firstFlexibleVersion }

    public func isFlexible(_ version: Int16) -> Bool { version >= spec.firstFlexibleVersion }

    public var description: String { spec.name }
}
