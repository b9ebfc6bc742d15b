import Testing
@testable import NagareWire

@Suite("Error and API tables")
struct TableTests {
    @Test func errorCodesMatchTheProtocolGuide() {
        let expected: [(KafkaErrorCode, Int16, String, Bool)] = [
            (.unknownServerError, -1, "UNKNOWN_SERVER_ERROR", false), (.none, 0, "NONE", false),
            (.offsetOutOfRange, 1, "OFFSET_OUT_OF_RANGE", false), (.corruptMessage, 2, "CORRUPT_MESSAGE", true),
            (.unknownTopicOrPartition, 3, "UNKNOWN_TOPIC_OR_PARTITION", true),
            (.notLeaderOrFollower, 6, "NOT_LEADER_OR_FOLLOWER", true),
            (.coordinatorLoadInProgress, 14, "COORDINATOR_LOAD_IN_PROGRESS", true),
            (.notCoordinator, 16, "NOT_COORDINATOR", true), (.illegalGeneration, 22, "ILLEGAL_GENERATION", false),
            (.inconsistentGroupProtocol, 23, "INCONSISTENT_GROUP_PROTOCOL", false),
            (.unknownMemberID, 25, "UNKNOWN_MEMBER_ID", false), (.rebalanceInProgress, 27, "REBALANCE_IN_PROGRESS", false),
            (.unsupportedVersion, 35, "UNSUPPORTED_VERSION", false), (.topicAlreadyExists, 36, "TOPIC_ALREADY_EXISTS", false),
            (.invalidPartitions, 37, "INVALID_PARTITIONS", false),
            (.outOfOrderSequenceNumber, 45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false),
            (.duplicateSequenceNumber, 46, "DUPLICATE_SEQUENCE_NUMBER", false),
            (.invalidProducerEpoch, 47, "INVALID_PRODUCER_EPOCH", false), (.invalidTxnState, 48, "INVALID_TXN_STATE", false),
            (.invalidProducerIDMapping, 49, "INVALID_PRODUCER_ID_MAPPING", false),
            (.invalidTransactionTimeout, 50, "INVALID_TRANSACTION_TIMEOUT", false),
            (.concurrentTransactions, 51, "CONCURRENT_TRANSACTIONS", true),
            (.transactionCoordinatorFenced, 52, "TRANSACTION_COORDINATOR_FENCED", false),
            (.unknownProducerID, 59, "UNKNOWN_PRODUCER_ID", false), (.groupIDNotFound, 69, "GROUP_ID_NOT_FOUND", false),
            (.memberIDRequired, 79, "MEMBER_ID_REQUIRED", false), (.fencedInstanceID, 82, "FENCED_INSTANCE_ID", false),
            (.invalidRecord, 87, "INVALID_RECORD", false), (.unstableOffsetCommit, 88, "UNSTABLE_OFFSET_COMMIT", true),
            (.producerFenced, 90, "PRODUCER_FENCED", false), (.transactionAbortable, 120, "TRANSACTION_ABORTABLE", false),
        ]
        for (code, raw, name, retriable) in expected {
            #expect(code.rawValue == raw)
            #expect(code.name == name)
            #expect(code.isRetriable == retriable, "\(name)")
        }
    }

    @Test func errorTableIsConsistent() {
        #expect(KafkaErrorCode.table.count > 110)
        let names = KafkaErrorCode.table.values.map(\.name)
        #expect(Set(names).count == names.count)
        for (raw, info) in KafkaErrorCode.table {
            #expect(!info.summary.isEmpty, "\(raw)")
            #expect(KafkaErrorCode(raw).name == info.name)
        }
    }

    @Test func unknownErrorCodesStillPrint() {
        let code = KafkaErrorCode(-42)
        #expect(code.info == nil)
        #expect(code.name == "UNKNOWN_ERROR_CODE(-42)")
        #expect(!code.isRetriable)
        #expect(code.isError)
        #expect(!KafkaErrorCode.none.isError)
    }

    @Test func advertisedVersionsComeFromTheApiKeyTable() {
        let advertised = ApiVersionsResponse.ApiVersion.nagareSupported
        #expect(advertised.count == ApiKey.allCases.count)
        for entry in advertised {
            let key = ApiKey(rawValue: entry.apiKey)
            #expect(key != nil)
            #expect(key?.supportedVersions == entry.minVersion...entry.maxVersion)
        }
        #expect(ApiKey.produce.supportedVersions == 3...9)
        #expect(ApiKey.fetch.supportedVersions == 4...12)
        #expect(ApiKey.initProducerID.name == "InitProducerId")
    }
}
