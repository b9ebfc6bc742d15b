import Testing
@testable import NagareStore

@Suite struct HyperLogLogTests {
    @Test(arguments: [100, 1_000, 10_000, 100_000])
    func estimateIsWithinError(distinct: Int) {
        var sketch = HyperLogLog()
        for i in 0..<distinct {
            sketch.add("user-\(i)")
            sketch.add("user-\(i)")  // duplicates must not count
        }
        let error = abs(sketch.estimate() - Double(distinct)) / Double(distinct)
        // 1.6 % standard error (1.2 % for small counts); 3 % is about two standard errors.
        #expect(error < 0.03, "estimate \(sketch.estimate()) for \(distinct)")
    }

    @Test func mergeIsTheUnion() {
        var a = HyperLogLog(), b = HyperLogLog(), both = HyperLogLog()
        for i in 0..<60_000 { a.add("v\(i)"); both.add("v\(i)") }
        for i in 40_000..<100_000 { b.add("v\(i)"); both.add("v\(i)") }
        var merged = a
        merged.merge(b)
        #expect(merged.encoded() == both.encoded())
        #expect(abs(merged.estimate() - 100_000) / 100_000 < 0.03)
        // Merging sparse into sparse, too.
        var s1 = HyperLogLog(), s2 = HyperLogLog()
        s1.add("x"); s2.add("y")
        s1.merge(s2)
        #expect(s1.estimate().rounded() == 2)
    }

    @Test func encodingRoundTripsBothForms() {
        var sparse = HyperLogLog()
        for i in 0..<50 { sparse.add("s\(i)") }
        #expect(sparse.encoded().first == HyperLogLog.sparseForm)
        #expect(HyperLogLog(encoded: sparse.encoded()) == sparse)
        var dense = HyperLogLog()
        for i in 0..<20_000 { dense.add("d\(i)") }
        #expect(dense.encoded().first == HyperLogLog.denseForm)
        #expect(dense.encoded().count == 2 + HyperLogLog.registerCount)
        #expect(HyperLogLog(encoded: dense.encoded()) == dense)
        #expect(HyperLogLog(encoded: [9, 12]) == nil)
        #expect(HyperLogLog(encoded: [1, 12, 0]) == nil)
    }

    @Test func encodedMergeMatchesSketchMerge() {
        var sparse = HyperLogLog(), dense = HyperLogLog()
        for i in 0..<30 { sparse.add("a\(i)") }
        for i in 0..<9_000 { dense.add("b\(i)") }
        var registers = [UInt8](repeating: 0, count: HyperLogLog.registerCount)
        for bytes in [sparse.encoded(), dense.encoded()] {
            bytes.withUnsafeBufferPointer { b in
                registers.withUnsafeMutableBufferPointer { HyperLogLog.mergeEncoded(b, into: $0.baseAddress!) }
            }
        }
        var merged = sparse
        merged.merge(dense)
        let estimate = registers.withUnsafeBufferPointer { HyperLogLog.estimate(registers: $0) }
        #expect(estimate == merged.estimate())
    }

    @Test func hashIsStableAndSpreads() {
        // Stored sketches depend on these exact values: changing the hash breaks old data.
        #expect(Hash64.hash("") == Hash64.hash(""))
        #expect(Hash64.hash("a") != Hash64.hash("a\u{0}"))
        var topBits = Set<UInt64>()
        for i in 0..<10_000 { topBits.insert(Hash64.hash("k\(i)") >> 52) }
        #expect(topBits.count > 3_500)  // of 4096 registers, ~3700 expected
    }
}
