import NagareWire

// DeleteTopics: v0–4. Behavior: deletes the topics and their data at once. Not supported:
// topic ids (v6+).
extension Broker {
    func handleDeleteTopics(_ request: DeleteTopicsRequest, _ context: RequestContext) async -> DeleteTopicsResponse {
        DeleteTopicsResponse(responses: request.topicNames.map { name in
            .init(name: name, errorCode: topics.delete(name: name) ? .none : .unknownTopicOrPartition)
        })
    }
}
