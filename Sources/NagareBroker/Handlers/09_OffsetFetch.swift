import NagareWire

// OffsetFetch: v0–7. Behavior: see GroupCoordinator.offsetFetch: null topics (v2+) means every committed partition; -1 for partitions without a commit; v7 require_stable answers UNSTABLE_OFFSET_COMMIT while transactional offsets are pending. Not supported: v8's batched groups.
extension Broker {
    func handleOffsetFetch(_ request: OffsetFetchRequest, _ context: RequestContext) async -> OffsetFetchResponse {
        await groups.offsetFetch(request, context: context)
    }
}
