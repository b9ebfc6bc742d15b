import NagareWire

/// One member of a consumer group, as the coordinator tracks it between requests.
///
/// The parked JoinGroup and SyncGroup calls live here as continuations: a member has at most
/// one of each outstanding, and whoever removes the member must answer them, so keeping them
/// next to the member makes a forgotten, forever-suspended request hard to write.
struct GroupMember {
    let memberID: String
    /// Static membership (KIP-345): the stable identity a restarted consumer presents again.
    var groupInstanceID: String?
    var clientID: String
    var clientHost: String
    var rebalanceTimeout: Duration
    var sessionTimeout: Duration
    /// The assignment strategies it supports, most preferred first, with its subscription
    /// metadata for each.
    var protocols: [JoinGroupRequest.GroupProtocol]
    /// What the leader assigned it in the current generation; empty until SyncGroup.
    var assignment: [UInt8] = []
    /// When the member is considered gone unless it heartbeats (or joins, or syncs) again.
    var sessionDeadline: ContinuousClock.Instant
    /// True from its first join until that rebalance completes: a new member that never
    /// finishes its first rebalance is dropped with the rebalance deadline.
    var isNew = true
    /// Its JoinGroup, suspended until the rebalance completes.
    var joinContinuation: CheckedContinuation<JoinGroupResponse, Never>?
    /// Its SyncGroup, suspended until the leader's assignment is stored.
    var syncContinuation: CheckedContinuation<SyncGroupResponse, Never>?

    var isAwaitingJoin: Bool { joinContinuation != nil }
    var isAwaitingSync: Bool { syncContinuation != nil }

    /// The subscription metadata it sent for `protocolName` (empty if it does not support it).
    func metadata(for protocolName: String?) -> [UInt8] {
        guard let protocolName else { return [] }
        return protocols.first(where: { $0.name == protocolName })?.metadata ?? []
    }

    /// Answers a parked JoinGroup (if any) with an error; used when the member is removed,
    /// fenced or the coordinator closes.
    mutating func failJoin(_ code: KafkaErrorCode) {
        joinContinuation?.resume(returning: JoinGroupResponse(errorCode: code, generationID: -1, memberID: memberID))
        joinContinuation = nil
    }

    /// Answers a parked SyncGroup (if any) with an error.
    mutating func failSync(_ code: KafkaErrorCode) {
        syncContinuation?.resume(returning: SyncGroupResponse(errorCode: code))
        syncContinuation = nil
    }

    /// A member id as Kafka forms it: the client id (or instance id) and a random UUID, so ids
    /// are unique across restarts and tell an operator which client a member is. The prefix is
    /// cut so that a hostile client id cannot make an id that overflows the record format.
    static func makeID(prefix: String) -> String {
        let cut = String(String.UnicodeScalarView(prefix.unicodeScalars.prefix(100)))
        return (cut.isEmpty ? "member" : cut) + "-" + randomUUID()
    }

    /// A random (version 4) UUID in its usual text form, without pulling in Foundation.
    static func randomUUID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { b in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(b >> 4)], digits[Int(b & 0x0F)]])
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]]
            .map { $0.joined() }
            .joined(separator: "-")
    }
}
