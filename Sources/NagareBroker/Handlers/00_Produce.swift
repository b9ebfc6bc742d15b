import NagareCore
import NagareLog
import NagareWire

// Produce: v3–9. Behavior: each partition's batches (RecordBatch v2 only, CRC checked, stored
// byte for byte with broker-assigned offsets) are appended all or nothing. acks=0 gets no
// response; acks=1 is answered after the write to the file; acks=-1 after the data is on disk
// (fsync through group commit). Records become visible to consumers once on disk, whatever the
// acks. Unknown topics are auto-created when enabled. Idempotent and transactional batches
// are checked against the partition's producer state (`ProducerStateTable`): a retried batch
// is answered with its original offset and no error, a sequence gap with
// OUT_OF_ORDER_SEQUENCE_NUMBER, a fenced epoch with INVALID_PRODUCER_EPOCH; clients' control
// batches are refused (INVALID_RECORD). Not supported: message formats v0/v1 (Produce < v3),
// per-record errors (a bad batch fails its whole partition), KIP-890 verification that a
// transactional batch's partition was added to the transaction (the client's AddPartitionsToTxn
// is trusted, as in Kafka before 3.6).
extension Broker {
    func handleProduce(_ request: ProduceRequest, _ context: RequestContext) async -> ProduceResponse? {
        guard [-1, 0, 1].contains(request.acks) else {
            return ProduceResponse(responses: request.topicData.map { t in
                ProduceResponse.TopicResponse(name: t.name, partitionResponses: t.partitionData.map {
                    ProduceResponse.PartitionResponse(index: $0.index, errorCode: .invalidRequiredAcks)
                })
            })
        }
        var responses: [ProduceResponse.TopicResponse] = []
        var durabilityWaits: [(PartitionState, Offset)] = []
        for topicData in request.topicData {
            var topic = topics.topic(topicData.name)
            var topicError: KafkaErrorCode = .none
            if topic == nil {
                if configuration.isAutoCreateTopicsEnabled {
                    switch autoCreate(topicData.name) {
                    case .success(let t): topic = t
                    case .failure(let code): topicError = code
                    }
                } else {
                    topicError = .unknownTopicOrPartition
                }
            }
            var partitionResponses: [ProduceResponse.PartitionResponse] = []
            for data in topicData.partitionData {
                guard let topic else {
                    partitionResponses.append(.init(index: data.index, errorCode: topicError))
                    continue
                }
                guard data.index >= 0, Int(data.index) < topic.partitions.count else {
                    partitionResponses.append(.init(index: data.index, errorCode: .unknownTopicOrPartition))
                    continue
                }
                let partition = topic.partitions[Int(data.index)]
                let (response, lastOffset) = append(data, to: partition, context: context)
                partitionResponses.append(response)
                if let lastOffset {
                    durabilityWaits.append((partition, lastOffset.advanced(by: 1)))
                    groupCommit.requestFlush(partition)
                }
            }
            responses.append(.init(name: topicData.name, partitionResponses: partitionResponses))
        }
        if request.acks == 0 { return nil }
        if request.acks == -1 {
            for (partition, end) in durabilityWaits {
                do { try await groupCommit.waitUntilDurable(partition, through: end) } catch {
                    logger.error("fsync of \(partition.topicPartition) failed: \(error)")
                    return ProduceResponse(responses: responses.map { t in
                        var t = t
                        t.partitionResponses = t.partitionResponses.map { var p = $0; p.errorCode = .kafkaStorageError; p.baseOffset = -1; return p }
                        return t
                    })
                }
            }
        }
        return ProduceResponse(responses: responses)
    }

    /// Appends one partition's records; returns the response and the last offset written.
    private func append(_ data: ProduceRequest.PartitionData, to partition: PartitionState,
                        context: RequestContext) -> (ProduceResponse.PartitionResponse, Offset?) {
        guard let records = data.records, !records.isEmpty else {
            return (.init(index: data.index, errorCode: .invalidRecord, errorMessage: "no records"), nil)
        }
        do {
            switch try partition.appendFromProducer(records, partitionLeaderEpoch: 0) {
            case .appended(let result):
                return (.init(index: data.index, baseOffset: result.baseOffset.rawValue,
                              logAppendTimeMilliseconds: result.logAppendTimeMilliseconds ?? -1,
                              logStartOffset: result.logStartOffset.rawValue), result.lastOffset)
            case .duplicate(let firstOffset, let lastOffset):
                // A retry: answer as the first attempt was answered (modern clients expect the
                // original offset and no error, not DUPLICATE_SEQUENCE_NUMBER), once that
                // attempt is durable.
                return (.init(index: data.index, baseOffset: firstOffset,
                              logStartOffset: partition.log.logStartOffset.rawValue), Offset(lastOffset))
            case .rejected(let code, let message):
                logger.debug("produce to \(partition.topicPartition) from '\(context.clientID)' refused: \(message)")
                return (.init(index: data.index, errorCode: code, errorMessage: message), nil)
            }
        } catch {
            let code: KafkaErrorCode
            switch error.code {
            case .invalidBatch: code = .corruptMessage
            case .batchTooLarge: code = .messageTooLarge
            default: code = .kafkaStorageError
            }
            logger.warning("produce to \(partition.topicPartition) from '\(context.clientID)' rejected: \(error)")
            return (.init(index: data.index, errorCode: code, errorMessage: error.message), nil)
        }
    }
}
