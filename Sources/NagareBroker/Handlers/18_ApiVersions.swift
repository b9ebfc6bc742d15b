import NagareWire

// ApiVersions: v0–3. Behavior: lists every API and version range from `ApiKey`'s table (the
// single source of truth). A request above v3 is answered in `Broker.respond` with
// UNSUPPORTED_VERSION and a v0 body, as KIP-511 asks. Not supported: feature flags (v3 tagged
// fields SupportedFeatures/FinalizedFeatures are left out).
extension Broker {
    func handleApiVersions(_ request: ApiVersionsRequest, _ context: RequestContext) async -> ApiVersionsResponse {
        ApiVersionsResponse(errorCode: .none, apiKeys: ApiVersionsResponse.ApiVersion.nagareSupported)
    }
}
