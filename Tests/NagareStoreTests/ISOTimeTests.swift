import Testing
@testable import NagareStore

@Suite struct ISOTimeTests {
    @Test func parsesTheForms() {
        #expect(ISOTime.parse("1970-01-01T00:00:00Z") == 0)
        #expect(ISOTime.parse("2024-05-01T12:34:56.789Z") == 1_714_566_896_789)
        #expect(ISOTime.parse("2024-05-01T12:34:56.7891234Z") == 1_714_566_896_789)
        #expect(ISOTime.parse("2024-05-01T14:34:56.789+02:00") == 1_714_566_896_789)
        #expect(ISOTime.parse("2024-05-01 12:34:56") == 1_714_566_896_000)
        #expect(ISOTime.parse("2024-05-01") == 1_714_521_600_000)
        #expect(ISOTime.parse("2024") == 1_704_067_200_000)
        #expect(ISOTime.parse("1969-12-31T23:59:59.999Z") == -1)
        for bad in ["", "2024-13-01", "2024-05-01T25:00", "yesterday", "2024-05-01T00:00:00Q", "24-05-01"] {
            #expect(ISOTime.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func formatsLikeDruid() {
        #expect(ISOTime.format(1_714_566_896_789) == "2024-05-01T12:34:56.789Z")
        #expect(ISOTime.format(-1) == "1969-12-31T23:59:59.999Z")
        for t: Int64 in [0, 1, 86_399_999, 951_782_400_000, 4_102_444_800_000] {
            #expect(ISOTime.parse(ISOTime.format(t)) == t)
        }
    }

    @Test func granularityBuckets() {
        let g = QueryGranularity.period("P1M", origin: nil)!
        let t = ISOTime.parse("2024-05-17T10:00:00Z")!
        #expect(ISOTime.format(g.start(ofBucket: g.bucket(t))) == "2024-05-01T00:00:00.000Z")
        let week = QueryGranularity.named("week", rollup: .minute)!
        #expect(ISOTime.format(week.start(ofBucket: week.bucket(t))) == "2024-05-13T00:00:00.000Z")
        #expect(QueryGranularity.period("PT5M", origin: nil) == .fixed(milliseconds: 300_000, origin: 0))
        #expect(QueryGranularity.period("P1MT1H", origin: nil) == nil)
        #expect(RollupGranularity.minute.truncate(-1) == -60_000)
    }
}
