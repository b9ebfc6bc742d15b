/// ListGroups (key 16), v0–4: the groups this coordinator knows. Flexible from v3; v4 adds a
/// state filter. v5+ (group types, KIP-848) is not supported.
public struct ListGroupsRequest: KafkaMessage {
    public static let apiKey = ApiKey.listGroups

    /// v4+: only groups in these states; empty means all.
    public var statesFilter: [String]

    public init(statesFilter: [String] = []) { self.statesFilter = statesFilter }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        if version >= 4 { message.statesFilter = try reader.readStringArray("states_filter", flexible: flexible) }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        if version >= 4 { writer.writeStringArray(statesFilter, flexible: flexible) }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct ListGroupsResponse: KafkaMessage {
    public static let apiKey = ApiKey.listGroups

    public struct Group: Hashable, Sendable {
        public var groupID: String
        public var protocolType: String
        /// v4+.
        public var groupState: String

        public init(groupID: String, protocolType: String, groupState: String = "") {
            self.groupID = groupID
            self.protocolType = protocolType
            self.groupState = groupState
        }
    }

    /// v1+.
    public var throttleTimeMilliseconds: Int32
    public var errorCode: KafkaErrorCode
    public var groups: [Group]

    public init(throttleTimeMilliseconds: Int32 = 0, errorCode: KafkaErrorCode = .none, groups: [Group] = []) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.errorCode = errorCode
        self.groups = groups
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        if version >= 1 { message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms") }
        message.errorCode = try reader.readErrorCode()
        message.groups = try reader.readArray("groups", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            var g = Group(groupID: try r.readString("group_id", flexible: flexible),
                          protocolType: try r.readString("protocol_type", flexible: flexible))
            if version >= 4 { g.groupState = try r.readString("group_state", flexible: flexible) }
            try r.skipTaggedFields(flexible: flexible)
            return g
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        if version >= 1 { writer.writeInt32(throttleTimeMilliseconds) }
        writer.writeErrorCode(errorCode)
        writer.writeArray(groups, flexible: flexible) { w, g in
            w.writeString(g.groupID, flexible: flexible)
            w.writeString(g.protocolType, flexible: flexible)
            if version >= 4 { w.writeString(g.groupState, flexible: flexible) }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
