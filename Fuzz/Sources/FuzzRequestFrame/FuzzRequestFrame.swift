// libFuzzer target: one request frame (without its 4-byte length prefix), decoded the way
// `Broker.respond(to:)` decodes it — the header, then the body of the API and version the header
// names. Only the decoding is replicated; no handler runs.
//
// Invariants (a violation traps, which libFuzzer reports as a crash):
// - decoding never traps and never reads past the input (AddressSanitizer checks the latter,
//   because the input is copied into an array of exactly its size);
// - a header or body that decodes re-encodes to bytes that decode to an equal value, consuming
//   them exactly.
import NagareWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestFrame(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let frame = Array(UnsafeBufferPointer(start: data, count: size))
    var reader = WireReader(frame)
    guard let header = try? RequestHeader.decode(from: &reader) else { return 0 }
    checkWithinInput(reader)
    checkRoundTrip(of: header)

    // The broker closes the connection for an unknown key or an unsupported version (answering
    // a too-new ApiVersions with a fixed v0 body), so no body decoder sees those frames.
    guard let api = ApiKey(rawValue: header.apiKey), api.supportedVersions.contains(header.apiVersion) else { return 0 }
    checkBody(requestType(of: api), &reader, version: header.apiVersion)
    return 0
}

/// The request message of each API. A switch rather than a table so that adding an `ApiKey`
/// case without a fuzzed decoder does not compile.
func requestType(of api: ApiKey) -> any KafkaMessage.Type {
    switch api {
    case .produce: ProduceRequest.self
    case .fetch: FetchRequest.self
    case .listOffsets: ListOffsetsRequest.self
    case .metadata: MetadataRequest.self
    case .offsetCommit: OffsetCommitRequest.self
    case .offsetFetch: OffsetFetchRequest.self
    case .findCoordinator: FindCoordinatorRequest.self
    case .joinGroup: JoinGroupRequest.self
    case .heartbeat: HeartbeatRequest.self
    case .leaveGroup: LeaveGroupRequest.self
    case .syncGroup: SyncGroupRequest.self
    case .describeGroups: DescribeGroupsRequest.self
    case .listGroups: ListGroupsRequest.self
    case .apiVersions: ApiVersionsRequest.self
    case .createTopics: CreateTopicsRequest.self
    case .deleteTopics: DeleteTopicsRequest.self
    case .initProducerID: InitProducerIDRequest.self
    // The broker refuses the transaction APIs for now, but their decoders ship and will be
    // reached once it does not; fuzz them already.
    case .addPartitionsToTxn: AddPartitionsToTxnRequest.self
    case .addOffsetsToTxn: AddOffsetsToTxnRequest.self
    case .endTxn: EndTxnRequest.self
    case .txnOffsetCommit: TxnOffsetCommitRequest.self
    case .describeConfigs: DescribeConfigsRequest.self
    }
}

func checkWithinInput(_ reader: WireReader) {
    guard reader.position <= reader.end, reader.end <= reader.bytes.count else {
        fatalError("reader past the input: position \(reader.position), end \(reader.end), \(reader.bytes.count) bytes")
    }
}

func checkRoundTrip(of header: RequestHeader) {
    var writer = WireWriter()
    header.encode(into: &writer)
    var reader = WireReader(writer.bytes)
    do {
        let again = try RequestHeader.decode(from: &reader)
        guard again == header, reader.isAtEnd else {
            fatalError("request header changed on re-encoding: \(header) became \(again)")
        }
    } catch {
        fatalError("re-encoded request header \(header) does not decode: \(error)")
    }
}

/// Decodes the body like the broker (from the reader positioned after the header, ignoring
/// trailing bytes, as the broker does), then checks the re-encoding round trip.
func checkBody<Message: KafkaMessage>(_: Message.Type, _ reader: inout WireReader, version: Int16) {
    guard let message = try? Message.decode(from: &reader, version: version) else { return }
    checkWithinInput(reader)
    let encoded = message.encoded(version: version)
    do {
        // The strict form: the re-encoding must be consumed exactly.
        let again = try Message.decode(encoded, version: version)
        guard again == message else {
            fatalError("\(Message.self) v\(version) changed on re-encoding: \(message) became \(again)")
        }
    } catch {
        fatalError("re-encoded \(Message.self) v\(version) does not decode: \(error); message \(message)")
    }
}
