public import Hummingbird
public import NagareStore
import NIOCore

/// `POST /druid/v2` (and `/druid/v2/`, where pydruid posts): a Druid native query as JSON in,
/// Druid's response shape out. The body is read up to `maxRequestBodyBytes` (413 beyond), the
/// query runs with a time limit (504 beyond), and a bad query is a 400 naming the bad field.
public struct DruidQueryHandler: RouteGroup {
    let executor: QueryExecutor
    let maxRequestBodyBytes: Int

    public init(store: AnalyticsStore, configuration: HTTPConfiguration) {
        executor = QueryExecutor(store: store, configuration: configuration)
        maxRequestBodyBytes = configuration.maxRequestBodyBytes
    }

    public func register(on router: Router<NagareRequestContext>) {
        // Hummingbird's router ignores a trailing slash, so this also serves `/druid/v2/`.
        router.post("/druid/v2") { request, _ in try await handle(request) }
    }

    func handle(_ request: Request) async throws(DruidError) -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxRequestBodyBytes)
        } catch is NIOTooManyBytesError {
            throw DruidError.bodyTooLarge(limit: maxRequestBodyBytes)
        } catch {
            throw DruidError(status: .badRequest, error: "Invalid query",
                             errorMessage: "the request body could not be read: \(error)", errorClass: "nagare.HTTP.body")
        }
        let bytes = Array(buffer: body)
        return JSONResponse.make(bytes: try await executor.run(bytes))
    }
}
