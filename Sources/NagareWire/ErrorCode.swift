/// A Kafka protocol error code, as carried in `error_code` fields.
///
/// A struct rather than an enum so that codes this table does not know (newer brokers add them
/// every release) still decode, round-trip and print instead of failing the whole response.
/// The named constants and `KafkaErrorCode.table` come from the error table of the Kafka
/// protocol guide (codes, names and retriability as of Kafka 3.9); the descriptions are ours.
public struct KafkaErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int16

    public init(rawValue: Int16) { self.rawValue = rawValue }
    public init(_ rawValue: Int16) { self.rawValue = rawValue }

    /// One row of the error table.
    public struct Info: Sendable {
        /// The protocol guide's upper-case name, e.g. `NOT_COORDINATOR`.
        public let name: String
        /// Whether a client may retry the same request and expect it to succeed eventually.
        public let isRetriable: Bool
        /// One line saying what went wrong.
        public let summary: String
    }

    /// Everything known about this code, or `nil` for a code not in the table.
    public var info: Info? { Self.table[rawValue] }

    /// The protocol name, or `UNKNOWN_ERROR_CODE(<n>)` for codes not in the table.
    public var name: String { info?.name ?? "UNKNOWN_ERROR_CODE(\(rawValue))" }

    /// Unknown codes count as not retriable: retrying blindly on an error we cannot interpret
    /// could loop forever.
    public var isRetriable: Bool { info?.isRetriable ?? false }

    public var summary: String { info?.summary ?? "An error code this version of Nagare does not know." }

    public var isError: Bool { rawValue != 0 }

    public var description: String { "\(name) (\(rawValue))" }
}

extension KafkaErrorCode {
    /// The broker hit an error it could not classify; the request may or may not have taken effect.
    public static let unknownServerError = KafkaErrorCode(-1)
    /// Success.
    public static let none = KafkaErrorCode(0)
    /// The requested offset lies outside the log's current start..end range.
    public static let offsetOutOfRange = KafkaErrorCode(1)
    /// A record batch failed its CRC or size checks, or is otherwise malformed.
    public static let corruptMessage = KafkaErrorCode(2)
    /// The broker does not host this topic or partition (it may not exist yet).
    public static let unknownTopicOrPartition = KafkaErrorCode(3)
    /// The requested fetch size is not acceptable.
    public static let invalidFetchSize = KafkaErrorCode(4)
    /// The partition has no leader right now, typically during leader election.
    public static let leaderNotAvailable = KafkaErrorCode(5)
    /// This broker is not the leader (or a follower) for the partition; refresh metadata.
    public static let notLeaderOrFollower = KafkaErrorCode(6)
    /// The request did not complete within its timeout.
    public static let requestTimedOut = KafkaErrorCode(7)
    /// The broker is not available.
    public static let brokerNotAvailable = KafkaErrorCode(8)
    /// A replica the request expected is not available.
    public static let replicaNotAvailable = KafkaErrorCode(9)
    /// The request carried a message larger than the broker accepts.
    public static let messageTooLarge = KafkaErrorCode(10)
    /// A controller message carried an outdated controller epoch.
    public static let staleControllerEpoch = KafkaErrorCode(11)
    /// The metadata string attached to an offset commit is too long.
    public static let offsetMetadataTooLarge = KafkaErrorCode(12)
    /// The connection was lost or broke before a response arrived.
    public static let networkException = KafkaErrorCode(13)
    /// The coordinator is still loading its state; retry shortly.
    public static let coordinatorLoadInProgress = KafkaErrorCode(14)
    /// No coordinator is available for this group or transactional id yet.
    public static let coordinatorNotAvailable = KafkaErrorCode(15)
    /// This broker is not the coordinator for the group or transactional id; find it again.
    public static let notCoordinator = KafkaErrorCode(16)
    /// The topic name is invalid or the operation is not allowed on this (internal) topic.
    public static let invalidTopicException = KafkaErrorCode(17)
    /// A produce request carried a batch larger than the configured segment size.
    public static let recordListTooLarge = KafkaErrorCode(18)
    /// Fewer in-sync replicas exist than min.insync.replicas requires.
    public static let notEnoughReplicas = KafkaErrorCode(19)
    /// The records were written, but fewer in-sync replicas than required acknowledged them.
    public static let notEnoughReplicasAfterAppend = KafkaErrorCode(20)
    /// The produce request's acks value is not one of -1, 0 or 1.
    public static let invalidRequiredAcks = KafkaErrorCode(21)
    /// The member's generation is not the group's current generation.
    public static let illegalGeneration = KafkaErrorCode(22)
    /// The member's protocol type or protocols do not match the group's.
    public static let inconsistentGroupProtocol = KafkaErrorCode(23)
    /// The group id is empty or otherwise not valid.
    public static let invalidGroupID = KafkaErrorCode(24)
    /// The coordinator does not know this member id.
    public static let unknownMemberID = KafkaErrorCode(25)
    /// The session timeout is outside the broker's allowed range.
    public static let invalidSessionTimeout = KafkaErrorCode(26)
    /// The group is rebalancing; the member must rejoin.
    public static let rebalanceInProgress = KafkaErrorCode(27)
    /// The committed offset's metadata size is not acceptable.
    public static let invalidCommitOffsetSize = KafkaErrorCode(28)
    /// The principal may not access this topic.
    public static let topicAuthorizationFailed = KafkaErrorCode(29)
    /// The principal may not access this group.
    public static let groupAuthorizationFailed = KafkaErrorCode(30)
    /// The principal may not perform this cluster-level action.
    public static let clusterAuthorizationFailed = KafkaErrorCode(31)
    /// A record timestamp is outside the acceptable range.
    public static let invalidTimestamp = KafkaErrorCode(32)
    /// The broker does not support the requested SASL mechanism.
    public static let unsupportedSASLMechanism = KafkaErrorCode(33)
    /// A SASL request arrived in a state that does not allow it.
    public static let illegalSASLState = KafkaErrorCode(34)
    /// The broker does not support this API version.
    public static let unsupportedVersion = KafkaErrorCode(35)
    /// A topic with this name already exists.
    public static let topicAlreadyExists = KafkaErrorCode(36)
    /// The number of partitions is not valid.
    public static let invalidPartitions = KafkaErrorCode(37)
    /// The replication factor is not valid (for example larger than the number of brokers).
    public static let invalidReplicationFactor = KafkaErrorCode(38)
    /// The manual replica assignment is not valid.
    public static let invalidReplicaAssignment = KafkaErrorCode(39)
    /// A configuration value is not valid.
    public static let invalidConfig = KafkaErrorCode(40)
    /// This broker is not the controller.
    public static let notController = KafkaErrorCode(41)
    /// The request is malformed or violates the protocol; see the broker log.
    public static let invalidRequest = KafkaErrorCode(42)
    /// The operation needs a newer message format than the topic uses.
    public static let unsupportedForMessageFormat = KafkaErrorCode(43)
    /// The request breaks a policy configured on the broker.
    public static let policyViolation = KafkaErrorCode(44)
    /// The broker received a sequence number that skips ahead for this producer.
    public static let outOfOrderSequenceNumber = KafkaErrorCode(45)
    /// The broker already wrote a batch with this sequence number for this producer.
    public static let duplicateSequenceNumber = KafkaErrorCode(46)
    /// The producer's epoch is older than the one the broker knows.
    public static let invalidProducerEpoch = KafkaErrorCode(47)
    /// The transactional operation is not allowed in the transaction's current state.
    public static let invalidTxnState = KafkaErrorCode(48)
    /// The producer id is not the one currently assigned to this transactional id.
    public static let invalidProducerIDMapping = KafkaErrorCode(49)
    /// The transaction timeout exceeds transaction.max.timeout.ms.
    public static let invalidTransactionTimeout = KafkaErrorCode(50)
    /// Another transaction for this producer is still completing; retry shortly.
    public static let concurrentTransactions = KafkaErrorCode(51)
    /// A newer transaction coordinator has taken over; this one is fenced.
    public static let transactionCoordinatorFenced = KafkaErrorCode(52)
    /// The principal may not use this transactional id.
    public static let transactionalIDAuthorizationFailed = KafkaErrorCode(53)
    /// Security features are disabled on the broker.
    public static let securityDisabled = KafkaErrorCode(54)
    /// The broker did not attempt this operation because another part of the request failed.
    public static let operationNotAttempted = KafkaErrorCode(55)
    /// A disk error on the broker made the log directory unavailable.
    public static let kafkaStorageError = KafkaErrorCode(56)
    /// The requested log directory does not exist on the broker.
    public static let logDirNotFound = KafkaErrorCode(57)
    /// SASL authentication failed.
    public static let saslAuthenticationFailed = KafkaErrorCode(58)
    /// The broker has no state for this producer id (for example after its records were deleted).
    public static let unknownProducerID = KafkaErrorCode(59)
    /// A partition reassignment is already running.
    public static let reassignmentInProgress = KafkaErrorCode(60)
    /// Delegation tokens are not enabled.
    public static let delegationTokenAuthDisabled = KafkaErrorCode(61)
    /// No delegation token with this id exists.
    public static let delegationTokenNotFound = KafkaErrorCode(62)
    /// The delegation token's owner does not match the principal.
    public static let delegationTokenOwnerMismatch = KafkaErrorCode(63)
    /// Delegation token requests are not allowed over this kind of connection.
    public static let delegationTokenRequestNotAllowed = KafkaErrorCode(64)
    /// The principal may not perform this delegation token action.
    public static let delegationTokenAuthorizationFailed = KafkaErrorCode(65)
    /// The delegation token has expired.
    public static let delegationTokenExpired = KafkaErrorCode(66)
    /// The principal type is not supported.
    public static let invalidPrincipalType = KafkaErrorCode(67)
    /// The group still has members, so it cannot be deleted.
    public static let nonEmptyGroup = KafkaErrorCode(68)
    /// The group does not exist.
    public static let groupIDNotFound = KafkaErrorCode(69)
    /// The fetch session id is unknown to the broker.
    public static let fetchSessionIDNotFound = KafkaErrorCode(70)
    /// The fetch session epoch is not the one the broker expects.
    public static let invalidFetchSessionEpoch = KafkaErrorCode(71)
    /// The leader has no endpoint on the listener the request came in on.
    public static let listenerNotFound = KafkaErrorCode(72)
    /// Topic deletion is disabled on the broker.
    public static let topicDeletionDisabled = KafkaErrorCode(73)
    /// The request's leader epoch is older than the broker's.
    public static let fencedLeaderEpoch = KafkaErrorCode(74)
    /// The request's leader epoch is newer than the broker's.
    public static let unknownLeaderEpoch = KafkaErrorCode(75)
    /// The requesting client does not support the topic's compression type.
    public static let unsupportedCompressionType = KafkaErrorCode(76)
    /// The broker epoch in the request is outdated.
    public static let staleBrokerEpoch = KafkaErrorCode(77)
    /// The leader's high watermark has not caught up yet; the offset is not available.
    public static let offsetNotAvailable = KafkaErrorCode(78)
    /// The group requires a member id; rejoin with the id the coordinator returned.
    public static let memberIDRequired = KafkaErrorCode(79)
    /// The preferred leader is not available.
    public static let preferredLeaderNotAvailable = KafkaErrorCode(80)
    /// The group already has its maximum number of members.
    public static let groupMaxSizeReached = KafkaErrorCode(81)
    /// Another member with the same group instance id has fenced this one.
    public static let fencedInstanceID = KafkaErrorCode(82)
    /// No eligible leader is available for the partition.
    public static let eligibleLeadersNotAvailable = KafkaErrorCode(83)
    /// The partition's leader is already the preferred one; no election is needed.
    public static let electionNotNeeded = KafkaErrorCode(84)
    /// No partition reassignment is in progress.
    public static let noReassignmentInProgress = KafkaErrorCode(85)
    /// Offsets for a topic cannot be deleted while the group is subscribed to it.
    public static let groupSubscribedToTopic = KafkaErrorCode(86)
    /// A record failed the broker's validation and the batch was rejected.
    public static let invalidRecord = KafkaErrorCode(87)
    /// Offsets cannot be read stably yet because a transaction involving them is pending.
    public static let unstableOffsetCommit = KafkaErrorCode(88)
    /// The request would exceed a throttling quota.
    public static let throttlingQuotaExceeded = KafkaErrorCode(89)
    /// A newer producer with the same transactional id has fenced this one.
    public static let producerFenced = KafkaErrorCode(90)
    /// The requested resource does not exist.
    public static let resourceNotFound = KafkaErrorCode(91)
    /// The resource appears more than once in the request.
    public static let duplicateResource = KafkaErrorCode(92)
    /// The credential does not meet the broker's requirements.
    public static let unacceptableCredential = KafkaErrorCode(93)
    /// The voter set in the request does not match the quorum's.
    public static let inconsistentVoterSet = KafkaErrorCode(94)
    /// The feature update version is not valid.
    public static let invalidUpdateVersion = KafkaErrorCode(95)
    /// The feature update could not be applied.
    public static let featureUpdateFailed = KafkaErrorCode(96)
    /// The request principal could not be deserialized.
    public static let principalDeserializationFailure = KafkaErrorCode(97)
    /// The requested snapshot does not exist.
    public static let snapshotNotFound = KafkaErrorCode(98)
    /// The broker does not know this topic id.
    public static let unknownTopicID = KafkaErrorCode(100)
    /// A broker with this id is already registered.
    public static let duplicateBrokerRegistration = KafkaErrorCode(101)
    /// The broker id is not registered.
    public static let brokerIDNotRegistered = KafkaErrorCode(102)
    /// The topic id does not match the one stored for the topic.
    public static let inconsistentTopicID = KafkaErrorCode(103)
    /// The cluster id does not match the one stored by the broker.
    public static let inconsistentClusterID = KafkaErrorCode(104)
    /// The transactional id does not exist.
    public static let transactionalIDNotFound = KafkaErrorCode(105)
    /// The fetch session saw topic ids that do not match.
    public static let fetchSessionTopicIDError = KafkaErrorCode(106)
    /// The new ISR contains at least one ineligible replica.
    public static let ineligibleReplica = KafkaErrorCode(107)
    /// A new leader was elected while the request was pending.
    public static let newLeaderElected = KafkaErrorCode(108)
    /// The requested offset has moved to tiered storage.
    public static let offsetMovedToTieredStorage = KafkaErrorCode(109)
    /// The member epoch is fenced by the group coordinator.
    public static let fencedMemberEpoch = KafkaErrorCode(110)
    /// The static member's instance id is still in use and not yet released.
    public static let unreleasedInstanceID = KafkaErrorCode(111)
    /// The requested server-side assignor is not supported.
    public static let unsupportedAssignor = KafkaErrorCode(112)
    /// The member epoch is stale; the member must rejoin with the current one.
    public static let staleMemberEpoch = KafkaErrorCode(113)
    /// The request was sent to an endpoint of the wrong type.
    public static let mismatchedEndpointType = KafkaErrorCode(114)
    /// This endpoint type does not support the request.
    public static let unsupportedEndpointType = KafkaErrorCode(115)
    /// The controller id is unknown.
    public static let unknownControllerID = KafkaErrorCode(116)
    /// The client telemetry subscription id is unknown.
    public static let unknownSubscriptionID = KafkaErrorCode(117)
    /// The client telemetry payload is too large.
    public static let telemetryTooLarge = KafkaErrorCode(118)
    /// The controller registration is not valid.
    public static let invalidRegistration = KafkaErrorCode(119)
    /// The server hit an error that aborts the current transaction; the producer may abort and retry.
    public static let transactionAbortable = KafkaErrorCode(120)
}

extension KafkaErrorCode {
    /// The error table: code → (name, retriable, summary).
    public static let table: [Int16: Info] = [
        -1: Info(name: "UNKNOWN_SERVER_ERROR", isRetriable: false, summary: "The broker hit an error it could not classify; the request may or may not have taken effect."),
        0: Info(name: "NONE", isRetriable: false, summary: "Success."),
        1: Info(name: "OFFSET_OUT_OF_RANGE", isRetriable: false, summary: "The requested offset lies outside the log's current start..end range."),
        2: Info(name: "CORRUPT_MESSAGE", isRetriable: true, summary: "A record batch failed its CRC or size checks, or is otherwise malformed."),
        3: Info(name: "UNKNOWN_TOPIC_OR_PARTITION", isRetriable: true, summary: "The broker does not host this topic or partition (it may not exist yet)."),
        4: Info(name: "INVALID_FETCH_SIZE", isRetriable: false, summary: "The requested fetch size is not acceptable."),
        5: Info(name: "LEADER_NOT_AVAILABLE", isRetriable: true, summary: "The partition has no leader right now, typically during leader election."),
        6: Info(name: "NOT_LEADER_OR_FOLLOWER", isRetriable: true, summary: "This broker is not the leader (or a follower) for the partition; refresh metadata."),
        7: Info(name: "REQUEST_TIMED_OUT", isRetriable: true, summary: "The request did not complete within its timeout."),
        8: Info(name: "BROKER_NOT_AVAILABLE", isRetriable: false, summary: "The broker is not available."),
        9: Info(name: "REPLICA_NOT_AVAILABLE", isRetriable: true, summary: "A replica the request expected is not available."),
        10: Info(name: "MESSAGE_TOO_LARGE", isRetriable: false, summary: "The request carried a message larger than the broker accepts."),
        11: Info(name: "STALE_CONTROLLER_EPOCH", isRetriable: false, summary: "A controller message carried an outdated controller epoch."),
        12: Info(name: "OFFSET_METADATA_TOO_LARGE", isRetriable: false, summary: "The metadata string attached to an offset commit is too long."),
        13: Info(name: "NETWORK_EXCEPTION", isRetriable: true, summary: "The connection was lost or broke before a response arrived."),
        14: Info(name: "COORDINATOR_LOAD_IN_PROGRESS", isRetriable: true, summary: "The coordinator is still loading its state; retry shortly."),
        15: Info(name: "COORDINATOR_NOT_AVAILABLE", isRetriable: true, summary: "No coordinator is available for this group or transactional id yet."),
        16: Info(name: "NOT_COORDINATOR", isRetriable: true, summary: "This broker is not the coordinator for the group or transactional id; find it again."),
        17: Info(name: "INVALID_TOPIC_EXCEPTION", isRetriable: false, summary: "The topic name is invalid or the operation is not allowed on this (internal) topic."),
        18: Info(name: "RECORD_LIST_TOO_LARGE", isRetriable: false, summary: "A produce request carried a batch larger than the configured segment size."),
        19: Info(name: "NOT_ENOUGH_REPLICAS", isRetriable: true, summary: "Fewer in-sync replicas exist than min.insync.replicas requires."),
        20: Info(name: "NOT_ENOUGH_REPLICAS_AFTER_APPEND", isRetriable: true, summary: "The records were written, but fewer in-sync replicas than required acknowledged them."),
        21: Info(name: "INVALID_REQUIRED_ACKS", isRetriable: false, summary: "The produce request's acks value is not one of -1, 0 or 1."),
        22: Info(name: "ILLEGAL_GENERATION", isRetriable: false, summary: "The member's generation is not the group's current generation."),
        23: Info(name: "INCONSISTENT_GROUP_PROTOCOL", isRetriable: false, summary: "The member's protocol type or protocols do not match the group's."),
        24: Info(name: "INVALID_GROUP_ID", isRetriable: false, summary: "The group id is empty or otherwise not valid."),
        25: Info(name: "UNKNOWN_MEMBER_ID", isRetriable: false, summary: "The coordinator does not know this member id."),
        26: Info(name: "INVALID_SESSION_TIMEOUT", isRetriable: false, summary: "The session timeout is outside the broker's allowed range."),
        27: Info(name: "REBALANCE_IN_PROGRESS", isRetriable: false, summary: "The group is rebalancing; the member must rejoin."),
        28: Info(name: "INVALID_COMMIT_OFFSET_SIZE", isRetriable: false, summary: "The committed offset's metadata size is not acceptable."),
        29: Info(name: "TOPIC_AUTHORIZATION_FAILED", isRetriable: false, summary: "The principal may not access this topic."),
        30: Info(name: "GROUP_AUTHORIZATION_FAILED", isRetriable: false, summary: "The principal may not access this group."),
        31: Info(name: "CLUSTER_AUTHORIZATION_FAILED", isRetriable: false, summary: "The principal may not perform this cluster-level action."),
        32: Info(name: "INVALID_TIMESTAMP", isRetriable: false, summary: "A record timestamp is outside the acceptable range."),
        33: Info(name: "UNSUPPORTED_SASL_MECHANISM", isRetriable: false, summary: "The broker does not support the requested SASL mechanism."),
        34: Info(name: "ILLEGAL_SASL_STATE", isRetriable: false, summary: "A SASL request arrived in a state that does not allow it."),
        35: Info(name: "UNSUPPORTED_VERSION", isRetriable: false, summary: "The broker does not support this API version."),
        36: Info(name: "TOPIC_ALREADY_EXISTS", isRetriable: false, summary: "A topic with this name already exists."),
        37: Info(name: "INVALID_PARTITIONS", isRetriable: false, summary: "The number of partitions is not valid."),
        38: Info(name: "INVALID_REPLICATION_FACTOR", isRetriable: false, summary: "The replication factor is not valid (for example larger than the number of brokers)."),
        39: Info(name: "INVALID_REPLICA_ASSIGNMENT", isRetriable: false, summary: "The manual replica assignment is not valid."),
        40: Info(name: "INVALID_CONFIG", isRetriable: false, summary: "A configuration value is not valid."),
        41: Info(name: "NOT_CONTROLLER", isRetriable: true, summary: "This broker is not the controller."),
        42: Info(name: "INVALID_REQUEST", isRetriable: false, summary: "The request is malformed or violates the protocol; see the broker log."),
        43: Info(name: "UNSUPPORTED_FOR_MESSAGE_FORMAT", isRetriable: false, summary: "The operation needs a newer message format than the topic uses."),
        44: Info(name: "POLICY_VIOLATION", isRetriable: false, summary: "The request breaks a policy configured on the broker."),
        45: Info(name: "OUT_OF_ORDER_SEQUENCE_NUMBER", isRetriable: false, summary: "The broker received a sequence number that skips ahead for this producer."),
        46: Info(name: "DUPLICATE_SEQUENCE_NUMBER", isRetriable: false, summary: "The broker already wrote a batch with this sequence number for this producer."),
        47: Info(name: "INVALID_PRODUCER_EPOCH", isRetriable: false, summary: "The producer's epoch is older than the one the broker knows."),
        48: Info(name: "INVALID_TXN_STATE", isRetriable: false, summary: "The transactional operation is not allowed in the transaction's current state."),
        49: Info(name: "INVALID_PRODUCER_ID_MAPPING", isRetriable: false, summary: "The producer id is not the one currently assigned to this transactional id."),
        50: Info(name: "INVALID_TRANSACTION_TIMEOUT", isRetriable: false, summary: "The transaction timeout exceeds transaction.max.timeout.ms."),
        51: Info(name: "CONCURRENT_TRANSACTIONS", isRetriable: true, summary: "Another transaction for this producer is still completing; retry shortly."),
        52: Info(name: "TRANSACTION_COORDINATOR_FENCED", isRetriable: false, summary: "A newer transaction coordinator has taken over; this one is fenced."),
        53: Info(name: "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", isRetriable: false, summary: "The principal may not use this transactional id."),
        54: Info(name: "SECURITY_DISABLED", isRetriable: false, summary: "Security features are disabled on the broker."),
        55: Info(name: "OPERATION_NOT_ATTEMPTED", isRetriable: false, summary: "The broker did not attempt this operation because another part of the request failed."),
        56: Info(name: "KAFKA_STORAGE_ERROR", isRetriable: true, summary: "A disk error on the broker made the log directory unavailable."),
        57: Info(name: "LOG_DIR_NOT_FOUND", isRetriable: false, summary: "The requested log directory does not exist on the broker."),
        58: Info(name: "SASL_AUTHENTICATION_FAILED", isRetriable: false, summary: "SASL authentication failed."),
        59: Info(name: "UNKNOWN_PRODUCER_ID", isRetriable: false, summary: "The broker has no state for this producer id (for example after its records were deleted)."),
        60: Info(name: "REASSIGNMENT_IN_PROGRESS", isRetriable: false, summary: "A partition reassignment is already running."),
        61: Info(name: "DELEGATION_TOKEN_AUTH_DISABLED", isRetriable: false, summary: "Delegation tokens are not enabled."),
        62: Info(name: "DELEGATION_TOKEN_NOT_FOUND", isRetriable: false, summary: "No delegation token with this id exists."),
        63: Info(name: "DELEGATION_TOKEN_OWNER_MISMATCH", isRetriable: false, summary: "The delegation token's owner does not match the principal."),
        64: Info(name: "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", isRetriable: false, summary: "Delegation token requests are not allowed over this kind of connection."),
        65: Info(name: "DELEGATION_TOKEN_AUTHORIZATION_FAILED", isRetriable: false, summary: "The principal may not perform this delegation token action."),
        66: Info(name: "DELEGATION_TOKEN_EXPIRED", isRetriable: false, summary: "The delegation token has expired."),
        67: Info(name: "INVALID_PRINCIPAL_TYPE", isRetriable: false, summary: "The principal type is not supported."),
        68: Info(name: "NON_EMPTY_GROUP", isRetriable: false, summary: "The group still has members, so it cannot be deleted."),
        69: Info(name: "GROUP_ID_NOT_FOUND", isRetriable: false, summary: "The group does not exist."),
        70: Info(name: "FETCH_SESSION_ID_NOT_FOUND", isRetriable: true, summary: "The fetch session id is unknown to the broker."),
        71: Info(name: "INVALID_FETCH_SESSION_EPOCH", isRetriable: true, summary: "The fetch session epoch is not the one the broker expects."),
        72: Info(name: "LISTENER_NOT_FOUND", isRetriable: true, summary: "The leader has no endpoint on the listener the request came in on."),
        73: Info(name: "TOPIC_DELETION_DISABLED", isRetriable: false, summary: "Topic deletion is disabled on the broker."),
        74: Info(name: "FENCED_LEADER_EPOCH", isRetriable: true, summary: "The request's leader epoch is older than the broker's."),
        75: Info(name: "UNKNOWN_LEADER_EPOCH", isRetriable: true, summary: "The request's leader epoch is newer than the broker's."),
        76: Info(name: "UNSUPPORTED_COMPRESSION_TYPE", isRetriable: false, summary: "The requesting client does not support the topic's compression type."),
        77: Info(name: "STALE_BROKER_EPOCH", isRetriable: false, summary: "The broker epoch in the request is outdated."),
        78: Info(name: "OFFSET_NOT_AVAILABLE", isRetriable: true, summary: "The leader's high watermark has not caught up yet; the offset is not available."),
        79: Info(name: "MEMBER_ID_REQUIRED", isRetriable: false, summary: "The group requires a member id; rejoin with the id the coordinator returned."),
        80: Info(name: "PREFERRED_LEADER_NOT_AVAILABLE", isRetriable: true, summary: "The preferred leader is not available."),
        81: Info(name: "GROUP_MAX_SIZE_REACHED", isRetriable: false, summary: "The group already has its maximum number of members."),
        82: Info(name: "FENCED_INSTANCE_ID", isRetriable: false, summary: "Another member with the same group instance id has fenced this one."),
        83: Info(name: "ELIGIBLE_LEADERS_NOT_AVAILABLE", isRetriable: true, summary: "No eligible leader is available for the partition."),
        84: Info(name: "ELECTION_NOT_NEEDED", isRetriable: true, summary: "The partition's leader is already the preferred one; no election is needed."),
        85: Info(name: "NO_REASSIGNMENT_IN_PROGRESS", isRetriable: false, summary: "No partition reassignment is in progress."),
        86: Info(name: "GROUP_SUBSCRIBED_TO_TOPIC", isRetriable: false, summary: "Offsets for a topic cannot be deleted while the group is subscribed to it."),
        87: Info(name: "INVALID_RECORD", isRetriable: false, summary: "A record failed the broker's validation and the batch was rejected."),
        88: Info(name: "UNSTABLE_OFFSET_COMMIT", isRetriable: true, summary: "Offsets cannot be read stably yet because a transaction involving them is pending."),
        89: Info(name: "THROTTLING_QUOTA_EXCEEDED", isRetriable: true, summary: "The request would exceed a throttling quota."),
        90: Info(name: "PRODUCER_FENCED", isRetriable: false, summary: "A newer producer with the same transactional id has fenced this one."),
        91: Info(name: "RESOURCE_NOT_FOUND", isRetriable: false, summary: "The requested resource does not exist."),
        92: Info(name: "DUPLICATE_RESOURCE", isRetriable: false, summary: "The resource appears more than once in the request."),
        93: Info(name: "UNACCEPTABLE_CREDENTIAL", isRetriable: false, summary: "The credential does not meet the broker's requirements."),
        94: Info(name: "INCONSISTENT_VOTER_SET", isRetriable: false, summary: "The voter set in the request does not match the quorum's."),
        95: Info(name: "INVALID_UPDATE_VERSION", isRetriable: false, summary: "The feature update version is not valid."),
        96: Info(name: "FEATURE_UPDATE_FAILED", isRetriable: false, summary: "The feature update could not be applied."),
        97: Info(name: "PRINCIPAL_DESERIALIZATION_FAILURE", isRetriable: false, summary: "The request principal could not be deserialized."),
        98: Info(name: "SNAPSHOT_NOT_FOUND", isRetriable: false, summary: "The requested snapshot does not exist."),
        100: Info(name: "UNKNOWN_TOPIC_ID", isRetriable: true, summary: "The broker does not know this topic id."),
        101: Info(name: "DUPLICATE_BROKER_REGISTRATION", isRetriable: false, summary: "A broker with this id is already registered."),
        102: Info(name: "BROKER_ID_NOT_REGISTERED", isRetriable: false, summary: "The broker id is not registered."),
        103: Info(name: "INCONSISTENT_TOPIC_ID", isRetriable: true, summary: "The topic id does not match the one stored for the topic."),
        104: Info(name: "INCONSISTENT_CLUSTER_ID", isRetriable: false, summary: "The cluster id does not match the one stored by the broker."),
        105: Info(name: "TRANSACTIONAL_ID_NOT_FOUND", isRetriable: false, summary: "The transactional id does not exist."),
        106: Info(name: "FETCH_SESSION_TOPIC_ID_ERROR", isRetriable: true, summary: "The fetch session saw topic ids that do not match."),
        107: Info(name: "INELIGIBLE_REPLICA", isRetriable: false, summary: "The new ISR contains at least one ineligible replica."),
        108: Info(name: "NEW_LEADER_ELECTED", isRetriable: false, summary: "A new leader was elected while the request was pending."),
        109: Info(name: "OFFSET_MOVED_TO_TIERED_STORAGE", isRetriable: false, summary: "The requested offset has moved to tiered storage."),
        110: Info(name: "FENCED_MEMBER_EPOCH", isRetriable: false, summary: "The member epoch is fenced by the group coordinator."),
        111: Info(name: "UNRELEASED_INSTANCE_ID", isRetriable: false, summary: "The static member's instance id is still in use and not yet released."),
        112: Info(name: "UNSUPPORTED_ASSIGNOR", isRetriable: false, summary: "The requested server-side assignor is not supported."),
        113: Info(name: "STALE_MEMBER_EPOCH", isRetriable: false, summary: "The member epoch is stale; the member must rejoin with the current one."),
        114: Info(name: "MISMATCHED_ENDPOINT_TYPE", isRetriable: false, summary: "The request was sent to an endpoint of the wrong type."),
        115: Info(name: "UNSUPPORTED_ENDPOINT_TYPE", isRetriable: false, summary: "This endpoint type does not support the request."),
        116: Info(name: "UNKNOWN_CONTROLLER_ID", isRetriable: false, summary: "The controller id is unknown."),
        117: Info(name: "UNKNOWN_SUBSCRIPTION_ID", isRetriable: false, summary: "The client telemetry subscription id is unknown."),
        118: Info(name: "TELEMETRY_TOO_LARGE", isRetriable: false, summary: "The client telemetry payload is too large."),
        119: Info(name: "INVALID_REGISTRATION", isRetriable: false, summary: "The controller registration is not valid."),
        120: Info(name: "TRANSACTION_ABORTABLE", isRetriable: false, summary: "The server hit an error that aborts the current transaction; the producer may abort and retry."),
    ]
}
