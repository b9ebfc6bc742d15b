/// DescribeGroups (key 15), v0–5: state, protocol and members of groups, for admin tools.
/// Flexible from v5.
public struct DescribeGroupsRequest: KafkaMessage {
    public static let apiKey = ApiKey.describeGroups

    public var groups: [String]
    /// v3+.
    public var includeAuthorizedOperations: Bool

    public init(groups: [String] = [], includeAuthorizedOperations: Bool = false) {
        self.groups = groups
        self.includeAuthorizedOperations = includeAuthorizedOperations
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.groups = try reader.readStringArray("groups", flexible: flexible)
        if version >= 3 { message.includeAuthorizedOperations = try reader.readBool("include_authorized_operations") }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeStringArray(groups, flexible: flexible)
        if version >= 3 { writer.writeBool(includeAuthorizedOperations) }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct DescribeGroupsResponse: KafkaMessage {
    public static let apiKey = ApiKey.describeGroups

    public struct Member: Hashable, Sendable {
        public var memberID: String
        /// v4+.
        public var groupInstanceID: String?
        public var clientID: String
        public var clientHost: String
        public var memberMetadata: [UInt8]
        public var memberAssignment: [UInt8]

        public init(memberID: String, groupInstanceID: String? = nil, clientID: String, clientHost: String,
                    memberMetadata: [UInt8] = [], memberAssignment: [UInt8] = []) {
            self.memberID = memberID
            self.groupInstanceID = groupInstanceID
            self.clientID = clientID
            self.clientHost = clientHost
            self.memberMetadata = memberMetadata
            self.memberAssignment = memberAssignment
        }
    }

    public struct Group: Hashable, Sendable {
        public var errorCode: KafkaErrorCode
        public var groupID: String
        /// "Empty", "PreparingRebalance", "CompletingRebalance", "Stable" or "Dead".
        public var groupState: String
        public var protocolType: String
        /// The chosen assignment strategy, when the group is stable.
        public var protocolData: String
        public var members: [Member]
        /// v3+.
        public var authorizedOperations: Int32

        public init(errorCode: KafkaErrorCode = .none, groupID: String, groupState: String = "", protocolType: String = "",
                    protocolData: String = "", members: [Member] = [], authorizedOperations: Int32 = Int32.min) {
            self.errorCode = errorCode
            self.groupID = groupID
            self.groupState = groupState
            self.protocolType = protocolType
            self.protocolData = protocolData
            self.members = members
            self.authorizedOperations = authorizedOperations
        }
    }

    /// v1+.
    public var throttleTimeMilliseconds: Int32
    public var groups: [Group]

    public init(throttleTimeMilliseconds: Int32 = 0, groups: [Group] = []) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.groups = groups
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        if version >= 1 { message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms") }
        message.groups = try reader.readArray("groups", flexible: flexible, minElementSize: 8) { (r) throws(WireError) in
            var g = Group(errorCode: try r.readErrorCode(), groupID: try r.readString("group_id", flexible: flexible))
            g.groupState = try r.readString("group_state", flexible: flexible)
            g.protocolType = try r.readString("protocol_type", flexible: flexible)
            g.protocolData = try r.readString("protocol_data", flexible: flexible)
            g.members = try r.readArray("members", flexible: flexible, minElementSize: 5) { (r) throws(WireError) in
                var m = Member(memberID: try r.readString("member_id", flexible: flexible), clientID: "", clientHost: "")
                if version >= 4 { m.groupInstanceID = try r.readNullableString("group_instance_id", flexible: flexible) }
                m.clientID = try r.readString("client_id", flexible: flexible)
                m.clientHost = try r.readString("client_host", flexible: flexible)
                m.memberMetadata = try r.readBytes("member_metadata", flexible: flexible)
                m.memberAssignment = try r.readBytes("member_assignment", flexible: flexible)
                try r.skipTaggedFields(flexible: flexible)
                return m
            }
            if version >= 3 { g.authorizedOperations = try r.readInt32("authorized_operations") }
            try r.skipTaggedFields(flexible: flexible)
            return g
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        if version >= 1 { writer.writeInt32(throttleTimeMilliseconds) }
        writer.writeArray(groups, flexible: flexible) { w, g in
            w.writeErrorCode(g.errorCode)
            w.writeString(g.groupID, flexible: flexible)
            w.writeString(g.groupState, flexible: flexible)
            w.writeString(g.protocolType, flexible: flexible)
            w.writeString(g.protocolData, flexible: flexible)
            w.writeArray(g.members, flexible: flexible) { w, m in
                w.writeString(m.memberID, flexible: flexible)
                if version >= 4 { w.writeNullableString(m.groupInstanceID, flexible: flexible) }
                w.writeString(m.clientID, flexible: flexible)
                w.writeString(m.clientHost, flexible: flexible)
                w.writeBytes(m.memberMetadata, flexible: flexible)
                w.writeBytes(m.memberAssignment, flexible: flexible)
                w.writeEmptyTaggedFields(flexible: flexible)
            }
            if version >= 3 { w.writeInt32(g.authorizedOperations) }
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
