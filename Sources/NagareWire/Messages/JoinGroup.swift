/// JoinGroup (key 11), v0–6: a consumer joins (or rejoins) a group and offers the assignment
/// protocols it supports. Flexible from v6. v7+ (protocol type in the response, reasons) is not
/// supported.
public struct JoinGroupRequest: KafkaMessage {
    public static let apiKey = ApiKey.joinGroup

    /// An assignment strategy the member supports, e.g. "range", with its subscription metadata
    /// (opaque to the broker).
    public struct GroupProtocol: Hashable, Sendable {
        public var name: String
        public var metadata: [UInt8]

        public init(name: String, metadata: [UInt8]) {
            self.name = name
            self.metadata = metadata
        }
    }

    public var groupID: String
    public var sessionTimeoutMilliseconds: Int32
    /// v1+: how long the coordinator waits for members to rejoin; v0 uses the session timeout.
    public var rebalanceTimeoutMilliseconds: Int32
    /// Empty on the first join.
    public var memberID: String
    /// v5+: static membership (KIP-345).
    public var groupInstanceID: String?
    /// "consumer" for consumer groups.
    public var protocolType: String
    public var protocols: [GroupProtocol]

    public init(groupID: String = "", sessionTimeoutMilliseconds: Int32 = 45_000, rebalanceTimeoutMilliseconds: Int32 = -1,
                memberID: String = "", groupInstanceID: String? = nil, protocolType: String = "consumer",
                protocols: [GroupProtocol] = []) {
        self.groupID = groupID
        self.sessionTimeoutMilliseconds = sessionTimeoutMilliseconds
        self.rebalanceTimeoutMilliseconds = rebalanceTimeoutMilliseconds
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.protocolType = protocolType
        self.protocols = protocols
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.groupID = try reader.readString("group_id", flexible: flexible)
        message.sessionTimeoutMilliseconds = try reader.readInt32("session_timeout_ms")
        if version >= 1 { message.rebalanceTimeoutMilliseconds = try reader.readInt32("rebalance_timeout_ms") }
        message.memberID = try reader.readString("member_id", flexible: flexible)
        if version >= 5 { message.groupInstanceID = try reader.readNullableString("group_instance_id", flexible: flexible) }
        message.protocolType = try reader.readString("protocol_type", flexible: flexible)
        message.protocols = try reader.readArray("protocols", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            let p = GroupProtocol(name: try r.readString("name", flexible: flexible),
                             metadata: try r.readBytes("metadata", flexible: flexible))
            try r.skipTaggedFields(flexible: flexible)
            return p
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeString(groupID, flexible: flexible)
        writer.writeInt32(sessionTimeoutMilliseconds)
        if version >= 1 { writer.writeInt32(rebalanceTimeoutMilliseconds) }
        writer.writeString(memberID, flexible: flexible)
        if version >= 5 { writer.writeNullableString(groupInstanceID, flexible: flexible) }
        writer.writeString(protocolType, flexible: flexible)
        writer.writeArray(protocols, flexible: flexible) { w, p in
            w.writeString(p.name, flexible: flexible)
            w.writeBytes(p.metadata, flexible: flexible)
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct JoinGroupResponse: KafkaMessage {
    public static let apiKey = ApiKey.joinGroup

    /// A member as the leader sees it, so that it can compute the assignment.
    public struct Member: Hashable, Sendable {
        public var memberID: String
        /// v5+.
        public var groupInstanceID: String?
        public var metadata: [UInt8]

        public init(memberID: String, groupInstanceID: String? = nil, metadata: [UInt8]) {
            self.memberID = memberID
            self.groupInstanceID = groupInstanceID
            self.metadata = metadata
        }
    }

    /// v2+.
    public var throttleTimeMilliseconds: Int32
    public var errorCode: KafkaErrorCode
    public var generationID: Int32
    /// The chosen assignment strategy.
    public var protocolName: String
    /// The leader's member id.
    public var leader: String
    /// This member's id, assigned by the coordinator.
    public var memberID: String
    /// Filled only in the leader's response.
    public var members: [Member]

    public init(throttleTimeMilliseconds: Int32 = 0, errorCode: KafkaErrorCode = .none, generationID: Int32 = -1,
                protocolName: String = "", leader: String = "", memberID: String = "", members: [Member] = []) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.errorCode = errorCode
        self.generationID = generationID
        self.protocolName = protocolName
        self.leader = leader
        self.memberID = memberID
        self.members = members
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        if version >= 2 { message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms") }
        message.errorCode = try reader.readErrorCode()
        message.generationID = try reader.readInt32("generation_id")
        message.protocolName = try reader.readString("protocol_name", flexible: flexible)
        message.leader = try reader.readString("leader", flexible: flexible)
        message.memberID = try reader.readString("member_id", flexible: flexible)
        message.members = try reader.readArray("members", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            var m = Member(memberID: try r.readString("member_id", flexible: flexible), metadata: [])
            if version >= 5 { m.groupInstanceID = try r.readNullableString("group_instance_id", flexible: flexible) }
            m.metadata = try r.readBytes("metadata", flexible: flexible)
            try r.skipTaggedFields(flexible: flexible)
            return m
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        if version >= 2 { writer.writeInt32(throttleTimeMilliseconds) }
        writer.writeErrorCode(errorCode)
        writer.writeInt32(generationID)
        writer.writeString(protocolName, flexible: flexible)
        writer.writeString(leader, flexible: flexible)
        writer.writeString(memberID, flexible: flexible)
        writer.writeArray(members, flexible: flexible) { w, m in
            w.writeString(m.memberID, flexible: flexible)
            if version >= 5 { w.writeNullableString(m.groupInstanceID, flexible: flexible) }
            w.writeBytes(m.metadata, flexible: flexible)
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
