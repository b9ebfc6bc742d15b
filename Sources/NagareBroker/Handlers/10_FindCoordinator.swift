import NagareWire

// FindCoordinator: v0–3. Behavior: this broker coordinates every group (key type 0) and every
// transactional id (key type 1). Not supported: v4's batched coordinator keys.
extension Broker {
    func handleFindCoordinator(_ request: FindCoordinatorRequest, _ context: RequestContext) async -> FindCoordinatorResponse {
        guard request.keyType == .group || request.keyType == .transaction else {
            return FindCoordinatorResponse(errorCode: .invalidRequest, errorMessage: "unknown key type \(request.keyType.rawValue)",
                                           nodeID: -1, host: "", port: -1)
        }
        let address = advertisedAddress
        return FindCoordinatorResponse(nodeID: configuration.nodeID, host: address.host, port: Int32(address.port))
    }
}
