import NagareCore
import NagareWire

// Fetch: v4–12. Behavior: returns whole batches from each requested partition up to its high
// watermark (the durable end), at least one whole batch even if larger than the byte limits,
// then at most MaxBytes in total. When less than MinBytes is available the request parks (other
// connections are unaffected) until enough arrives or MaxWait passes. read_committed
// (isolation level 1) reads only below the last stable offset (the first offset of the oldest
// open transaction, or the high watermark) and gets the aborted transactions overlapping the
// range it may read, so the client drops their records; read_uncommitted gets everything up to
// the high watermark. Both get lastStableOffset.
// Not supported: fetch sessions (KIP-227: every response says session 0, so clients send full
// fetches), preferred read replicas, KIP-320 epoch validation.
extension Broker {
    func handleFetch(_ request: FetchRequest, _ context: RequestContext) async -> FetchResponse {
        let maxWait = Int64(max(0, min(request.maxWaitMilliseconds, Int32(configuration.maxFetchWaitMilliseconds))))
        let deadline = ContinuousClock.now + .milliseconds(maxWait)
        while true {
            let version = notifier.version
            let (response, bytes, hasError) = collectFetch(request)
            if hasError || bytes >= Int(request.minBytes) || ContinuousClock.now >= deadline {
                return response
            }
            await notifier.wait(since: version, until: deadline)
            if Task.isCancelled { return response }
        }
    }

    private func collectFetch(_ request: FetchRequest) -> (FetchResponse, Int, Bool) {
        var total = 0
        var hasError = false
        var topicsOut: [FetchResponse.Topic] = []
        let limit = request.maxBytes > 0 ? Int(request.maxBytes) : Int.max
        for topic in request.topics {
            var partitionsOut: [FetchResponse.Partition] = []
            for p in topic.partitions {
                guard let state = topics.partition(TopicPartition(topic.topic, p.partition)) else {
                    hasError = true
                    partitionsOut.append(.init(partitionIndex: p.partition, errorCode: .unknownTopicOrPartition))
                    continue
                }
                let hw = state.highWatermark.rawValue
                let lso = state.lastStableOffset.rawValue
                let readCommitted = request.isolationLevel == .readCommitted
                // read_committed reads up to the LSO; read_uncommitted up to the high watermark.
                let end = readCommitted ? lso : hw
                let start = state.log.logStartOffset.rawValue
                var out = FetchResponse.Partition(
                    partitionIndex: p.partition, highWatermark: hw, lastStableOffset: lso, logStartOffset: start,
                    abortedTransactions: request.isolationLevel == .readCommitted ? [] : nil, records: [])
                guard p.fetchOffset >= start, p.fetchOffset <= hw else {
                    hasError = true
                    out.errorCode = .offsetOutOfRange
                    partitionsOut.append(out)
                    continue
                }
                if p.fetchOffset < end {
                    // The first batch of the response is returned whole even past the limits.
                    let budget = total == 0 ? Int(max(p.partitionMaxBytes, 1)) : min(Int(p.partitionMaxBytes), limit - total)
                    if budget > 0 || total == 0 {
                        do {
                            let bytes = try state.log.read(from: Offset(p.fetchOffset), maxBytes: max(budget, 1), upTo: Offset(end))
                            if !bytes.isEmpty {
                                out.records = bytes
                                if readCommitted {
                                    out.abortedTransactions = state.abortedTransactions(from: Offset(p.fetchOffset), upTo: Offset(end))
                                }
                                total += bytes.count
                            }
                        } catch {
                            logger.error("fetch from \(state.topicPartition) at \(p.fetchOffset): \(error)")
                            out.errorCode = error.code == .offsetOutOfRange ? .offsetOutOfRange : .kafkaStorageError
                            hasError = true
                        }
                    }
                }
                partitionsOut.append(out)
            }
            topicsOut.append(.init(topic: topic.topic, partitions: partitionsOut))
        }
        return (FetchResponse(sessionID: 0, responses: topicsOut), total, hasError)
    }
}
