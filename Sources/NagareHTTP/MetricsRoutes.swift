public import Hummingbird

/// `GET /metrics` → the process's figures in Prometheus's text format. The owner of the figures
/// (the store's ingestors, a pipeline runner) writes them; this route only serves the text, so
/// this module knows nothing of either.
public struct MetricsRoutes: RouteGroup {
    let write: @Sendable (inout PrometheusTextWriter) -> Void

    /// `write` is called once per request and adds every family to the writer.
    public init(write: @escaping @Sendable (inout PrometheusTextWriter) -> Void) { self.write = write }

    public func register(on router: Router<NagareRequestContext>) {
        let write = self.write
        router.get("/metrics") { _, _ in
            var writer = PrometheusTextWriter()
            write(&writer)
            return Response(
                status: .ok,
                headers: [.contentType: PrometheusTextWriter.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(string: writer.text)))
        }
    }
}
