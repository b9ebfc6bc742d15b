import ArgumentParser
import Foundation
import NagareCore
import NagareHTTP

/// `--auth-token` (or `NAGARE_AUTH_TOKEN`) of the commands that serve HTTP (`serve`, `run
/// --status`). With a token, every request but `GET /status/health` must carry it; binding a
/// non-loopback address requires one, so that nothing is served openly beyond this machine.
struct AuthTokenOptions: ParsableArguments {
    static let environmentVariable = "NAGARE_AUTH_TOKEN"

    @Option(name: .long, help: ArgumentHelp(
        "Require this token on every HTTP request except GET /status/health (Authorization: Bearer TOKEN, or ?token=TOKEN). Default: $NAGARE_AUTH_TOKEN, which keeps it out of the process list. Required for a non-loopback address.",
        valueName: "token"))
    var authToken: String?

    /// The flag, else the environment variable (an empty one counts as unset).
    func token(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        let token: String?
        let source: String
        if let authToken {
            token = authToken
            source = "--auth-token"
        } else {
            token = environment[Self.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
            source = Self.environmentVariable
        }
        guard let token else { return nil }
        guard !token.isEmpty else { throw ValidationError("\(source) must not be empty") }
        guard AuthTokenMiddleware.isValidToken(token) else {
            throw ValidationError("\(source) may only hold letters, digits and -._~+/= (it travels in an HTTP header and a cookie); e.g. openssl rand -hex 16")
        }
        return token
    }

    /// The token to serve `address` with: a non-loopback address without one is refused, naming
    /// `flag` and its value (e.g. `--http 0.0.0.0:8080`).
    func token(serving address: HostPort, flag: String, given: String) throws -> String? {
        let token = try token()
        if token == nil && !address.isLoopback {
            throw ValidationError("\(flag) \(given) is not loopback: set --auth-token or \(Self.environmentVariable)")
        }
        return token
    }
}
