public import Logging
public import NagareCore
import NagareLog
import NagareWire
import Synchronization

/// The broker's request processing: decodes a request frame, runs the API's handler (one file
/// per API under `Handlers/`), and encodes the response frame. Networking lives in
/// `BrokerServer`; this type is what a connection talks to.
public final class Broker: Sendable {
    public let configuration: BrokerConfiguration
    let logger: Logger
    private let boundPort = Atomic<Int>(0)
    private let startedAt = ContinuousClock.now
    let topics: TopicManager
    let groups: GroupCoordinator
    let producerIDs: ProducerIDAllocator
    let notifier = AppendNotifier()
    let groupCommit: GroupCommit
    let transactions: TransactionCoordinator

    /// What to do with a connection after a request.
    public enum Outcome: Sendable {
        /// Send these bytes (a whole frame, length prefix included).
        case respond([UInt8])
        /// Nothing to send (Produce with acks=0).
        case noResponse
        /// Close the connection; the reason is logged.
        case close(String)
    }

    public init(configuration: BrokerConfiguration, logger: Logger) throws {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        topics = try TopicManager(dataDirectory: configuration.dataDirectory, logger: logger)
        groups = try GroupCoordinator(configuration: GroupCoordinatorConfiguration(broker: configuration))
        let report = groups.loadReport
        for message in report.logRecovery.messages { logger.warning("recovery: \(message)") }
        logger.info("groups: \(report.groups) groups, \(report.committedOffsets) committed offsets (\(report.records) records replayed, \(report.skippedRecords) skipped)")
        producerIDs = try ProducerIDAllocator(dataDirectory: configuration.dataDirectory)
        let notifier = self.notifier
        let groupCommit = GroupCommit(lingerMilliseconds: configuration.groupCommitMilliseconds) { notifier.notify() }
        self.groupCommit = groupCommit
        let topics = self.topics
        let producerIDs = self.producerIDs
        transactions = try TransactionCoordinator(
            configuration: TransactionCoordinatorConfiguration(broker: configuration),
            markers: PartitionMarkerWriter(topics: topics, groupCommit: groupCommit,
                                           currentTimeMilliseconds: PartitionLog.systemTimeMilliseconds),
            groups: groups,
            allocateProducerID: { try producerIDs.next() },
            partitionExists: { topics.partition($0) != nil },
            logger: logger)
        if transactions.skippedRecords > 0 {
            logger.warning("transactions: \(transactions.skippedRecords) unreadable records skipped in __transaction_state-0")
        }
    }

    /// What clients are told to connect to (Metadata, FindCoordinator).
    public var advertisedAddress: HostPort { configuration.advertisedAddress(boundPort: boundPort.load(ordering: .relaxed)) }

    /// Called by the server once it is listening.
    func didBind(port: Int) { boundPort.store(port, ordering: .relaxed) }

    /// fsyncs made by group commit so far.
    public var fsyncCount: UInt64 { groupCommit.fsyncCount }

    /// Flushes and closes everything. Call once, after the server stopped accepting requests.
    public func shutdown() async {
        if let error = await transactions.close() { logger.error("closing the transaction log: \(error)") }
        let seconds = Double((ContinuousClock.now - startedAt).components.seconds)
        let fsyncs = groupCommit.fsyncCount
        logger.info("group commit: \(fsyncs) fsyncs in \(Int(seconds)) s (\(seconds > 0 ? Int(Double(fsyncs) / seconds) : 0)/s)")
        if let error = await groups.close() { logger.error("closing the group log: \(error)") }
        topics.closeAll()
    }

    /// Retention and compaction, run periodically by the server.
    func maintain() { topics.maintain() }

    /// Handles one request frame (without its 4-byte length prefix).
    public func respond(to frame: [UInt8], clientHost: String, connectionID: UInt64) async -> Outcome {
        var reader = WireReader(frame)
        let header: RequestHeader
        do { header = try RequestHeader.decode(from: &reader) } catch {
            return .close("malformed request header: \(error)")
        }
        let context = RequestContext(header: header, clientHost: clientHost, connectionID: connectionID)
        guard let api = ApiKey(rawValue: header.apiKey) else {
            return .close("unknown API key \(header.apiKey) from client '\(context.clientID)'")
        }
        let version = header.apiVersion
        guard api.supportedVersions.contains(version) else {
            if api == .apiVersions {
                // KIP-511: answer a too-new ApiVersions with error 35 and a v0 body listing what
                // we support, so the client can retry with a version we know.
                return .respond(responseFrame(correlationID: header.correlationID, headerVersion: 0,
                                      body: ApiVersionsResponse(errorCode: .unsupportedVersion,
                                                                apiKeys: ApiVersionsResponse.ApiVersion.nagareSupported),
                                      version: 0))
            }
            return .close("\(api.name) version \(version) is not supported (supported: \(api.supportedVersions))")
        }
        do {
            switch api {
            case .apiVersions: return try await serve(ApiVersionsRequest.self, &reader, context, handleApiVersions)
            case .metadata: return try await serve(MetadataRequest.self, &reader, context, handleMetadata)
            case .produce:
                let request = try ProduceRequest.decode(from: &reader, version: version)
                guard let response = await handleProduce(request, context) else { return .noResponse }
                return .respond(responseFrame(for: context, response))
            case .fetch: return try await serve(FetchRequest.self, &reader, context, handleFetch)
            case .listOffsets: return try await serve(ListOffsetsRequest.self, &reader, context, handleListOffsets)
            case .findCoordinator: return try await serve(FindCoordinatorRequest.self, &reader, context, handleFindCoordinator)
            case .createTopics: return try await serve(CreateTopicsRequest.self, &reader, context, handleCreateTopics)
            case .deleteTopics: return try await serve(DeleteTopicsRequest.self, &reader, context, handleDeleteTopics)
            case .describeConfigs: return try await serve(DescribeConfigsRequest.self, &reader, context, handleDescribeConfigs)
            case .initProducerID: return try await serve(InitProducerIDRequest.self, &reader, context, handleInitProducerID)
            case .joinGroup: return try await serve(JoinGroupRequest.self, &reader, context, handleJoinGroup)
            case .syncGroup: return try await serve(SyncGroupRequest.self, &reader, context, handleSyncGroup)
            case .heartbeat: return try await serve(HeartbeatRequest.self, &reader, context, handleHeartbeat)
            case .leaveGroup: return try await serve(LeaveGroupRequest.self, &reader, context, handleLeaveGroup)
            case .offsetCommit: return try await serve(OffsetCommitRequest.self, &reader, context, handleOffsetCommit)
            case .offsetFetch: return try await serve(OffsetFetchRequest.self, &reader, context, handleOffsetFetch)
            case .describeGroups: return try await serve(DescribeGroupsRequest.self, &reader, context, handleDescribeGroups)
            case .listGroups: return try await serve(ListGroupsRequest.self, &reader, context, handleListGroups)
            case .addPartitionsToTxn: return try await serve(AddPartitionsToTxnRequest.self, &reader, context, handleAddPartitionsToTxn)
            case .addOffsetsToTxn: return try await serve(AddOffsetsToTxnRequest.self, &reader, context, handleAddOffsetsToTxn)
            case .endTxn: return try await serve(EndTxnRequest.self, &reader, context, handleEndTxn)
            case .txnOffsetCommit: return try await serve(TxnOffsetCommitRequest.self, &reader, context, handleTxnOffsetCommit)
            }
        } catch {
            return .close("malformed \(api.name) v\(version) request from client '\(context.clientID)': \(error)")
        }
    }

    private func serve<Request: KafkaMessage, Response: KafkaMessage>(
        _: Request.Type, _ reader: inout WireReader, _ context: RequestContext,
        _ handler: (Request, RequestContext) async -> Response
    ) async throws(WireError) -> Outcome {
        let request = try Request.decode(from: &reader, version: context.apiVersion)
        let response = await handler(request, context)
        return .respond(responseFrame(for: context, response))
    }

    private func responseFrame<Response: KafkaMessage>(for context: RequestContext, _ response: Response) -> [UInt8] {
        responseFrame(correlationID: context.header.correlationID,
              headerVersion: ResponseHeader.headerVersion(apiKey: context.header.apiKey, apiVersion: context.apiVersion),
              body: response, version: context.apiVersion)
    }

    private func responseFrame<Response: KafkaMessage>(correlationID: Int32, headerVersion: Int16, body: Response, version: Int16) -> [UInt8] {
        var writer = WireWriter(reservingCapacity: 256)
        writer.writeInt32(0)
        ResponseHeader(correlationID: correlationID).encode(into: &writer, headerVersion: headerVersion)
        body.encode(into: &writer, version: version)
        writer.patchInt32(Int32(writer.count - 4), at: 0)
        return writer.bytes
    }
}
