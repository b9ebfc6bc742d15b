/// LeaveGroup (key 13), v0–4: members leave so the group rebalances at once instead of after a
/// session timeout. v0–2 name one member; v3+ (KIP-345) a batch of members. Flexible from v4.
/// v5+ (leave reasons) is not supported.
public struct LeaveGroupRequest: KafkaMessage {
    public static let apiKey = ApiKey.leaveGroup

    public struct Member: Hashable, Sendable {
        public var memberID: String
        public var groupInstanceID: String?

        public init(memberID: String, groupInstanceID: String? = nil) {
            self.memberID = memberID
            self.groupInstanceID = groupInstanceID
        }
    }

    public var groupID: String
    /// v0–2: the one member leaving.
    public var memberID: String
    /// v3+: the members leaving.
    public var members: [Member]

    public init(groupID: String = "", memberID: String = "", members: [Member] = []) {
        self.groupID = groupID
        self.memberID = memberID
        self.members = members
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.groupID = try reader.readString("group_id", flexible: flexible)
        if version <= 2 {
            message.memberID = try reader.readString("member_id", flexible: flexible)
        } else {
            message.members = try reader.readArray("members", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
                let m = Member(memberID: try r.readString("member_id", flexible: flexible),
                               groupInstanceID: try r.readNullableString("group_instance_id", flexible: flexible))
                try r.skipTaggedFields(flexible: flexible)
                return m
            }
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeString(groupID, flexible: flexible)
        if version <= 2 {
            writer.writeString(memberID, flexible: flexible)
        } else {
            writer.writeArray(members, flexible: flexible) { w, m in
                w.writeString(m.memberID, flexible: flexible)
                w.writeNullableString(m.groupInstanceID, flexible: flexible)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct LeaveGroupResponse: KafkaMessage {
    public static let apiKey = ApiKey.leaveGroup

    public struct Member: Hashable, Sendable {
        public var memberID: String
        public var groupInstanceID: String?
        public var errorCode: KafkaErrorCode

        public init(memberID: String, groupInstanceID: String? = nil, errorCode: KafkaErrorCode = .none) {
            self.memberID = memberID
            self.groupInstanceID = groupInstanceID
            self.errorCode = errorCode
        }
    }

    /// v1+.
    public var throttleTimeMilliseconds: Int32
    public var errorCode: KafkaErrorCode
    /// v3+: one result per member in the request.
    public var members: [Member]

    public init(throttleTimeMilliseconds: Int32 = 0, errorCode: KafkaErrorCode = .none, members: [Member] = []) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.errorCode = errorCode
        self.members = members
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        if version >= 1 { message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms") }
        message.errorCode = try reader.readErrorCode()
        if version >= 3 {
            message.members = try reader.readArray("members", flexible: flexible, minElementSize: 4) { (r) throws(WireError) in
                let m = Member(memberID: try r.readString("member_id", flexible: flexible),
                               groupInstanceID: try r.readNullableString("group_instance_id", flexible: flexible),
                               errorCode: try r.readErrorCode())
                try r.skipTaggedFields(flexible: flexible)
                return m
            }
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        if version >= 1 { writer.writeInt32(throttleTimeMilliseconds) }
        writer.writeErrorCode(errorCode)
        if version >= 3 {
            writer.writeArray(members, flexible: flexible) { w, m in
                w.writeString(m.memberID, flexible: flexible)
                w.writeNullableString(m.groupInstanceID, flexible: flexible)
                w.writeErrorCode(m.errorCode)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
