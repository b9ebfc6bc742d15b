/// SyncGroup (key 14), v0–4: the leader hands in the assignment; every member gets its share.
/// Flexible from v4. v5+ (protocol type/name echo) is not supported.
public struct SyncGroupRequest: KafkaMessage {
    public static let apiKey = ApiKey.syncGroup

    public struct Assignment: Hashable, Sendable {
        public var memberID: String
        public var assignment: [UInt8]

        public init(memberID: String, assignment: [UInt8]) {
            self.memberID = memberID
            self.assignment = assignment
        }
    }

    public var groupID: String
    public var generationID: Int32
    public var memberID: String
    /// v3+.
    public var groupInstanceID: String?
    /// Sent only by the leader; empty for the other members.
    public var assignments: [Assignment]

    public init(groupID: String = "", generationID: Int32 = -1, memberID: String = "", groupInstanceID: String? = nil,
                assignments: [Assignment] = []) {
        self.groupID = groupID
        self.generationID = generationID
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.assignments = assignments
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        message.groupID = try reader.readString("group_id", flexible: flexible)
        message.generationID = try reader.readInt32("generation_id")
        message.memberID = try reader.readString("member_id", flexible: flexible)
        if version >= 3 { message.groupInstanceID = try reader.readNullableString("group_instance_id", flexible: flexible) }
        message.assignments = try reader.readArray("assignments", flexible: flexible, minElementSize: 2) { (r) throws(WireError) in
            let a = Assignment(memberID: try r.readString("member_id", flexible: flexible),
                               assignment: try r.readBytes("assignment", flexible: flexible))
            try r.skipTaggedFields(flexible: flexible)
            return a
        }
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        writer.writeString(groupID, flexible: flexible)
        writer.writeInt32(generationID)
        writer.writeString(memberID, flexible: flexible)
        if version >= 3 { writer.writeNullableString(groupInstanceID, flexible: flexible) }
        writer.writeArray(assignments, flexible: flexible) { w, a in
            w.writeString(a.memberID, flexible: flexible)
            w.writeBytes(a.assignment, flexible: flexible)
            w.writeEmptyTaggedFields(flexible: flexible)
        }
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}

public struct SyncGroupResponse: KafkaMessage {
    public static let apiKey = ApiKey.syncGroup

    /// v1+.
    public var throttleTimeMilliseconds: Int32
    public var errorCode: KafkaErrorCode
    /// This member's assignment, opaque to the broker.
    public var assignment: [UInt8]

    public init(throttleTimeMilliseconds: Int32 = 0, errorCode: KafkaErrorCode = .none, assignment: [UInt8] = []) {
        self.throttleTimeMilliseconds = throttleTimeMilliseconds
        self.errorCode = errorCode
        self.assignment = assignment
    }

    public static func decode(from reader: inout WireReader, version: Int16) throws(WireError) -> Self {
        try checkVersion(version)
        let flexible = apiKey.isFlexible(version)
        var message = Self()
        if version >= 1 { message.throttleTimeMilliseconds = try reader.readInt32("throttle_time_ms") }
        message.errorCode = try reader.readErrorCode()
        message.assignment = try reader.readBytes("assignment", flexible: flexible)
        try reader.skipTaggedFields(flexible: flexible)
        return message
    }

    public func encode(into writer: inout WireWriter, version: Int16) {
        let flexible = Self.apiKey.isFlexible(version)
        if version >= 1 { writer.writeInt32(throttleTimeMilliseconds) }
        writer.writeErrorCode(errorCode)
        writer.writeBytes(assignment, flexible: flexible)
        writer.writeEmptyTaggedFields(flexible: flexible)
    }
}
