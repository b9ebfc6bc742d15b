import NagareCore
import Testing

@Suite struct HostPortTests {
    @Test func parsesHostAndPort() throws {
        let hp = try HostPort(parsing: "127.0.0.1:9092")
        #expect(hp.host == "127.0.0.1")
        #expect(hp.port == 9092)
        #expect(hp.description == "127.0.0.1:9092")
    }

    @Test func parsesBracketedIPv6() throws {
        let hp = try HostPort(parsing: "[::1]:19092")
        #expect(hp.host == "::1")
        #expect(hp.description == "[::1]:19092")
    }

    @Test(arguments: ["localhost", "localhost:", ":9092", "host:0", "host:70000", "host:abc"])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ConfigurationError.self) { try HostPort(parsing: text) }
    }

    @Test func errorNamesTheBadPart() {
        do {
            _ = try HostPort(parsing: "host:abc")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("abc"))
        }
    }
}
