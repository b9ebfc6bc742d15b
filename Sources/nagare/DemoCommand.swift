import ArgumentParser
import Foundation
import Logging
import NagareCore
import NagareRuntime

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole system on this machine: broker, pipeline, store and dashboard, fed by a traffic generator.",
        discussion: """
            Starts `nagare broker`, `nagare run` with the access-logs example pipeline and \
            `nagare serve` with its datasource as child processes (logs and data under \
            --data-dir), then produces realistic access-log events: the example's sites plus \
            unknown ones, many countries, phones, tablets, desktops and bots, several sports, at \
            the rate of a daily traffic curve compressed into --day-length, with about 3% \
            duplicates, 1% late events and a few malformed records. It prints the dashboard URL \
            (`dashboard http://HOST:PORT/`) and a progress line every 10 s.

            Every --restart-every seconds the pipeline is stopped (SIGTERM; with \
            --restart-signal kill or alternate also SIGKILL, a crash) and started again: thanks \
            to exactly-once processing the per-minute counts neither dip nor spike. The \
            generator writes its own counts (distinct valid events per event-time minute) to \
            <data-dir>/generator-counts.json every second.

            Stopping: Ctrl-C (SIGINT) or SIGTERM stops the generator, the pipeline, the store \
            and the broker in that order and exits 0. With --duration the demo stops by itself, \
            after waiting for the store to catch up and comparing its per-minute counts with the \
            generator's (exit 1 if any minute differs); --keep-running then leaves everything up \
            until Ctrl-C.
            """
    )

    @Option(name: .long, help: "Directory for the broker's and store's data, the logs and the generator's counts.")
    var dataDir: String = "./nagare-data/demo"

    @Option(name: .long, help: "The store's HTTP address: dashboard and Druid queries (port 0 picks a free port).")
    var http: String = "127.0.0.1:8080"

    @Option(name: .long, help: "The broker's address (port 0 picks a free port).")
    var brokerListen: String = "127.0.0.1:9092"

    @Option(name: .long, help: "Events per second at the evening peak of the traffic curve.")
    var rate: Double = 2000

    @Option(name: .long, help: ArgumentHelp("Length of one simulated day of traffic, in seconds.", valueName: "seconds"))
    var dayLength: Double = 600

    @Option(name: .long, help: ArgumentHelp("Restart the pipeline this often, in seconds (0: never).", valueName: "seconds"))
    var restartEvery: Double = 60

    @Option(name: .long, help: ArgumentHelp(
        "How the pipeline is stopped at a restart: terminate (SIGTERM: finish the batch, exit 0), kill (SIGKILL: a crash) or alternate.",
        valueName: "terminate|kill|alternate"))
    var restartSignal: String = "terminate"

    @Option(name: .long, help: ArgumentHelp("Generate for this long, then compare the store with the generator and stop (default: until Ctrl-C).", valueName: "seconds"))
    var duration: Double?

    @Flag(name: .long, help: "With --duration: keep the broker, pipeline, store and dashboard running after the comparison, until Ctrl-C.")
    var keepRunning = false

    @Option(name: .long, help: ArgumentHelp("The access-logs example folder (pipeline.yml, datasource.yml, tables).", valueName: "path"))
    var exampleDir: String = "examples/access-logs"

    @Option(name: .long, help: "Log level of the demo itself: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "warning"

    func validate() throws { _ = try options() }

    func options() throws -> DemoSupervisor.Options {
        var options = DemoSupervisor.Options()
        options.dataDirectory = dataDir
        do { options.http = try HostPort(parsing: http, allowsAnyPort: true) } catch { throw ValidationError("--http: \(error.message)") }
        guard options.http.isLoopback else {
            throw ValidationError("--http: \(options.http.host) is not a loopback address; the demo listens on this machine only")
        }
        do { options.brokerListen = try HostPort(parsing: brokerListen, allowsAnyPort: true) } catch {
            throw ValidationError("--broker-listen: \(error.message)")
        }
        guard options.brokerListen.isLoopback else {
            throw ValidationError("--broker-listen: \(options.brokerListen.host) is not a loopback address; the demo listens on this machine only")
        }
        guard rate.isFinite, rate > 0, rate <= 200_000 else { throw ValidationError("--rate: must be between 0 and 200000 events per second, got \(rate)") }
        guard dayLength.isFinite, dayLength >= 1 else { throw ValidationError("--day-length: must be at least 1 second, got \(dayLength)") }
        options.rate = rate
        options.dayLength = .milliseconds(Int64(dayLength * 1000))
        guard restartEvery.isFinite, restartEvery == 0 || restartEvery >= 1 else {
            throw ValidationError("--restart-every: must be 0 (never) or at least 1 second, got \(restartEvery)")
        }
        options.restartEvery = restartEvery == 0 ? nil : .milliseconds(Int64(restartEvery * 1000))
        guard let signal = DemoSupervisor.RestartSignal(rawValue: restartSignal) else {
            throw ValidationError("--restart-signal: '\(restartSignal)' is not one of terminate, kill, alternate")
        }
        options.restartSignal = signal
        if let duration {
            guard duration.isFinite, duration > 0 else { throw ValidationError("--duration: must be a positive number of seconds, got \(duration)") }
            options.duration = .milliseconds(Int64(duration * 1000))
        } else if keepRunning {
            throw ValidationError("--keep-running needs --duration (without it the demo runs until Ctrl-C anyway)")
        }
        options.keepRunning = keepRunning
        options.exampleDirectory = exampleDir
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level: '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        return options
    }

    func run() async throws {
        StandardErrorLog.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .warning)
        let supervisor = DemoSupervisor(options: try options(), logger: Logger(label: "nagare.demo")) { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        let matched = try await withThrowingTaskGroup(of: Bool?.self) { tasks in
            tasks.addTask {
                do { return try await supervisor.run() } catch let error as DemoError {
                    throw CommandFailure(message: error.message)
                } catch let error as ChildProcessError {
                    throw CommandFailure(message: error.message)
                }
            }
            tasks.addTask {
                await waitForTerminationSignal()
                supervisor.requestStop()
                return nil
            }
            var matched = true
            while let result = try await tasks.next() {
                if let result {
                    matched = result
                    tasks.cancelAll()
                }
            }
            return matched
        }
        if !matched { throw ExitCode(1) }
    }
}
