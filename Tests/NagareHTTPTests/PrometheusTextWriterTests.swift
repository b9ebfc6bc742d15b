import NagareHTTP
import Testing

/// The exposition format as Prometheus's parsers read it: HELP/TYPE lines, label escaping,
/// cumulative buckets ending at +Inf, `_sum` and `_count`.
@Suite struct PrometheusTextWriterTests {
    @Test func countersAndGaugesWithLabels() {
        var w = PrometheusTextWriter()
        w.counter("nagare_events_total", help: "Events seen.", [
            .init([("datasource", "a")], 3),
            .init([("datasource", "b")], 0),
        ])
        w.gauge("nagare_lag", help: "Lag.", [.init(2.5)])
        #expect(w.text == """
            # HELP nagare_events_total Events seen.
            # TYPE nagare_events_total counter
            nagare_events_total{datasource="a"} 3
            nagare_events_total{datasource="b"} 0
            # HELP nagare_lag Lag.
            # TYPE nagare_lag gauge
            nagare_lag 2.5

            """)
    }

    @Test func labelValuesAndHelpAreEscaped() {
        var w = PrometheusTextWriter()
        w.gauge("g", help: "a \\ b\nc \"q\"", [.init([("path", "C:\\x \"y\"\nz")], 1)])
        #expect(w.text == """
            # HELP g a \\\\ b\\nc "q"
            # TYPE g gauge
            g{path="C:\\\\x \\"y\\"\\nz"} 1

            """)
    }

    @Test func specialValuesUseTheFormatsSpelling() {
        var w = PrometheusTextWriter()
        w.gauge("g", help: "h", [
            .init([("k", "inf")], .infinity), .init([("k", "minf")], -.infinity),
            .init([("k", "nan")], .nan), .init([("k", "small")], 0.000125),
        ])
        #expect(w.text.contains("g{k=\"inf\"} +Inf\n"))
        #expect(w.text.contains("g{k=\"minf\"} -Inf\n"))
        #expect(w.text.contains("g{k=\"nan\"} NaN\n"))
        #expect(w.text.contains("g{k=\"small\"} 0.000125\n"))
    }

    @Test func histogramBucketsAreCumulative() {
        var h = PrometheusHistogram(bounds: [0.1, 1])
        h.observe(0.05)
        h.observe(0.1)  // on the bound: counted in le="0.1"
        h.observe(0.5)
        h.observe(.seconds(3))
        #expect(h.bucketCounts == [2, 1, 1])
        #expect(h.cumulativeCounts == [2, 3, 4])
        var w = PrometheusTextWriter()
        w.histogram("nagare_batch_seconds", help: "Batch time.", [(labels: [("datasource", "d")], histogram: h)])
        #expect(w.text == """
            # HELP nagare_batch_seconds Batch time.
            # TYPE nagare_batch_seconds histogram
            nagare_batch_seconds_bucket{datasource="d",le="0.1"} 2
            nagare_batch_seconds_bucket{datasource="d",le="1"} 3
            nagare_batch_seconds_bucket{datasource="d",le="+Inf"} 4
            nagare_batch_seconds_sum{datasource="d"} 3.65
            nagare_batch_seconds_count{datasource="d"} 4

            """)
    }

    @Test func emptyHistogramHasZeroBuckets() {
        var w = PrometheusTextWriter()
        w.histogram("h_seconds", help: "h", [(labels: [], histogram: PrometheusHistogram(bounds: [1]))])
        #expect(w.text.hasSuffix("h_seconds_bucket{le=\"1\"} 0\nh_seconds_bucket{le=\"+Inf\"} 0\nh_seconds_sum 0\nh_seconds_count 0\n"))
    }

    @Test func durationsInSeconds() {
        #expect(Duration.milliseconds(1500).fractionalSeconds == 1.5)
        #expect(Duration.microseconds(250).fractionalSeconds == 0.00025)
    }
}
