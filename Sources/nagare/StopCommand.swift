import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NagareCore

struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Ask a running `nagare run` to stop after its current batch.",
        discussion: """
            With --status HOST:PORT, posts to the run's status endpoint (started with \
            `nagare run --status`); the run answers at once and then finishes and commits its \
            current batch, leaves the group and exits 0. With --stop-file PATH, creates the stop \
            file the run watches (`nagare run --stop-file PATH`). Either way this command \
            returns without waiting for the run to exit.

            Exit status: 0 when the request was delivered; 1 when nothing answers at the \
            address, it is not a nagare run, or the file cannot be created.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The status address of the run (`nagare run --status`).", valueName: "host:port"))
    var status: String?

    @Option(name: .long, help: ArgumentHelp("The run's stop file (`nagare run --stop-file`): created.", valueName: "path"))
    var stopFile: String?

    @Option(name: .long, help: ArgumentHelp(
        "The run's token (`nagare run --auth-token`), sent with --status. Default: $NAGARE_AUTH_TOKEN.", valueName: "token"))
    var authToken: String?

    func validate() throws {
        guard (status == nil) != (stopFile == nil) else {
            throw ValidationError("give exactly one of --status HOST:PORT and --stop-file PATH")
        }
        if let status {
            do { _ = try HostPort(parsing: status) } catch { throw ValidationError("--status: \(error.message)") }
        }
    }

    func run() async throws {
        if let stopFile {
            guard FileManager.default.createFile(atPath: stopFile, contents: nil) else {
                throw CommandFailure(message: "cannot create the stop file \(stopFile)")
            }
            print("created \(stopFile): the run watching it stops after its current batch")
            return
        }
        guard let status else { return }
        let address = try HostPort(parsing: status)
        guard let url = URL(string: "http://\(address)/stop") else {
            throw CommandFailure(message: "--status: '\(status)' does not make a URL")
        }
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = "POST"
        if let token = authToken ?? ProcessInfo.processInfo.environment[AuthTokenOptions.environmentVariable], !token.isEmpty {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw CommandFailure(message: "nothing answered at \(address) (is `nagare run --status \(address)` running?): \(error.localizedDescription)")
        }
        let code = (response as? HTTPURLResponse)?.statusCode ?? 0
        if code == 401 {
            throw CommandFailure(message: "\(address) refused POST /stop without its token: set --auth-token or \(AuthTokenOptions.environmentVariable) to the run's token")
        }
        guard code == 202 else {
            let body = String(decoding: data.prefix(500), as: UTF8.self)
            throw CommandFailure(message: "\(address) answered HTTP \(code) to POST /stop (not a nagare run?): \(body)")
        }
        print("stop requested at \(address): the run stops after its current batch")
    }
}
