import Testing
@testable import NagareWire

/// A small deterministic generator (CodecFuzzGenerator) so fuzz runs are reproducible from their seed.
struct CodecFuzzGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One message value at one version, with its type erased so that every codec can go through
/// the same round-trip, truncation and fuzz tests.
struct MessageCase: Sendable, CustomTestStringConvertible {
    let name: String
    let version: Int16
    let encoded: [UInt8]
    /// Decodes `bytes` strictly and says whether the result equals the original value.
    let decodesToOriginal: @Sendable ([UInt8]) throws(WireError) -> Bool
    /// Decodes `bytes` strictly; on success re-encodes and re-decodes, and says whether the
    /// second decode equals the first (the "re-parsing gives the same result" invariant).
    let reparsesStably: @Sendable ([UInt8]) throws(WireError) -> Bool

    var testDescription: String { "\(name) v\(version)" }

    init<M: KafkaMessage>(_ message: M, version: Int16) {
        name = String(describing: M.self)
        self.version = version
        encoded = message.encoded(version: version)
        decodesToOriginal = { (bytes) throws(WireError) in try M.decode(bytes, version: version) == message }
        reparsesStably = { (bytes) throws(WireError) in
            let first = try M.decode(bytes, version: version)
            let second = try M.decode(first.encoded(version: version), version: version)
            return first == second
        }
    }
}
