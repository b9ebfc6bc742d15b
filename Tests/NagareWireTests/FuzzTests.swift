import Testing
@testable import NagareWire

/// Decoders meet hostile bytes from the network. These runs check the invariants "never trap,
/// never read past the input, only throw WireError (enforced by typed throws), and whatever
/// does decode re-encodes to something that decodes to the same value". Seeds are fixed so a
/// failure reproduces.
@Suite("Fuzzing")
struct FuzzTests {
    static let cases = MessageSamples.all

    @Test func randomBytesNeverTrap() {
        var rng = CodecFuzzGenerator(seed: 0x6E61_6761_7265)
        var decoded = 0
        for i in 0..<20_000 {
            let c = Self.cases[i % Self.cases.count]
            let length = Int(rng.next() % 64)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            do {
                let stable = try c.reparsesStably(bytes)
                #expect(stable, "\(c.testDescription) \(bytes)")
                decoded += 1
            } catch {
                _ = error as WireError // typed: nothing else can arrive here
            }
        }
        // Some tiny bodies (empty requests) must decode; most random input must not.
        #expect(decoded > 0)
        #expect(decoded < 20_000)
    }

    /// Mutating valid encodings reaches far deeper into the decoders than random bytes do.
    @Test func mutatedValidEncodingsNeverTrap() {
        var rng = CodecFuzzGenerator(seed: 42)
        for i in 0..<20_000 {
            let c = Self.cases[i % Self.cases.count]
            var bytes = c.encoded
            for _ in 0..<(1 + rng.next() % 4) {
                let position = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 5 {
                case 0 where !bytes.isEmpty: bytes[position] = UInt8(truncatingIfNeeded: rng.next())
                case 1 where !bytes.isEmpty: bytes[position] ^= 1 << (rng.next() % 8)
                case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: position)
                case 3 where !bytes.isEmpty: bytes.remove(at: position)
                default:
                    // Counts and lengths near the limits are where overflow bugs live.
                    let extreme: [UInt8] = [0xFF, 0x7F, 0x80, 0x00]
                    if !bytes.isEmpty { bytes[position] = extreme[Int(rng.next() % 4)] }
                }
            }
            do {
                let stable = try c.reparsesStably(bytes)
                #expect(stable, "\(c.testDescription) \(bytes)")
            } catch {
                _ = error as WireError
            }
        }
    }

    @Test func randomHeadersNeverTrap() {
        var rng = CodecFuzzGenerator(seed: 7)
        for _ in 0..<5_000 {
            let bytes = (0..<Int(rng.next() % 24)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var r = WireReader(bytes)
            if let header = try? RequestHeader.decode(from: &r) {
                #expect(r.position <= bytes.count)
                #expect(header.headerVersion >= 1)
            }
        }
    }
}
