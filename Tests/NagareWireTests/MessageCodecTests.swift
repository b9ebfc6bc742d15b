import Testing
@testable import NagareWire

@Suite("Message codecs")
struct MessageCodecTests {
    @Test func everyApiHasSamplesAtEveryVersion() {
        for key in ApiKey.allCases {
            let versions = Set(MessageSamples.cases(for: key).map(\.version))
            #expect(versions == Set(key.supportedVersions), "\(key)")
        }
    }

    @Test(arguments: MessageSamples.all)
    func roundTrip(_ c: MessageCase) throws {
        #expect(try c.decodesToOriginal(c.encoded))
    }

    /// Feeding the encoding one byte at a time: every strict prefix must throw (and, with typed
    /// throws, can only throw `WireError`), never trap or succeed.
    @Test(arguments: MessageSamples.all)
    func everyStrictPrefixThrows(_ c: MessageCase) {
        for n in 0..<c.encoded.count {
            let prefix = Array(c.encoded[0..<n])
            #expect(throws: WireError.self, "prefix of \(n) bytes") { _ = try c.decodesToOriginal(prefix) }
        }
    }

    /// Trailing bytes are reported: a decoder that stops early is as wrong as one that overruns.
    @Test(arguments: MessageSamples.all)
    func trailingBytesAreRejected(_ c: MessageCase) {
        #expect(throws: WireError.self) { _ = try c.decodesToOriginal(c.encoded + [0]) }
    }

    @Test func unsupportedVersionsAreRefused() {
        #expect(throws: WireError.unsupported("Produce version 2")) { try ProduceRequest.decode([], version: 2) }
        #expect(throws: WireError.self) { try FetchResponse.decode([], version: 13) }
    }
}
