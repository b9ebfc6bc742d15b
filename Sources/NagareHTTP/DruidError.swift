public import Hummingbird
public import NagareStore

/// An error answered in Druid's error shape, so that Druid clients (pydruid raises it with the
/// body) show the message:
///
///     {"error": "Invalid query", "errorMessage": "filter.dimension: unknown dimension 'colour' ...",
///      "errorClass": "nagare.StoreError.invalidQuery", "host": null}
///
/// `error` is the coarse kind (Druid's error code, e.g. "Query timeout"); `errorMessage` names the
/// bad field. Thrown by handlers; Hummingbird turns it into the response.
public struct DruidError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var error: String
    public var errorMessage: String
    public var errorClass: String

    public init(status: HTTPResponse.Status, error: String, errorMessage: String, errorClass: String) {
        self.status = status
        self.error = error
        self.errorMessage = errorMessage
        self.errorClass = errorClass
    }

    /// A store error as Druid would answer it: the caller's mistakes are 400s, the rest 500s.
    public init(_ storeError: StoreError) {
        let kind: String
        switch storeError.code {
        case .invalidQuery: kind = "Invalid query"
        case .unsupportedQuery: kind = "Unsupported operation"
        case .unknownDatasource: kind = "Unknown datasource"
        default: kind = "Unknown exception"
        }
        self.init(
            status: storeError.isClientError ? .badRequest : .internalServerError,
            error: kind, errorMessage: storeError.message,
            errorClass: "nagare.StoreError.\(storeError.code.rawValue)")
    }

    static func bodyTooLarge(limit: Int) -> DruidError {
        DruidError(
            status: .contentTooLarge, error: "Request too large",
            errorMessage: "the request body is larger than the limit of \(limit) bytes (http.maxRequestBodyBytes)",
            errorClass: "nagare.HTTP.bodyTooLarge")
    }

    static func timeout(after limit: Duration) -> DruidError {
        DruidError(
            status: .gatewayTimeout, error: "Query timeout",
            errorMessage: "the query did not finish within \(limit) (http.queryTimeout)",
            errorClass: "nagare.HTTP.queryTimeout")
    }

    static func notFound(_ message: String) -> DruidError {
        DruidError(status: .notFound, error: "Not found", errorMessage: message, errorClass: "nagare.HTTP.notFound")
    }

    /// `{"error": ..., "errorMessage": ..., "errorClass": ..., "host": null}`, keys in Druid's order.
    public var jsonBody: [UInt8] {
        Array(("{\"error\":\(jsonString(error)),\"errorMessage\":\(jsonString(errorMessage)),"
            + "\"errorClass\":\(jsonString(errorClass)),\"host\":null}").utf8)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.make(status: status, bytes: jsonBody)
    }
}
