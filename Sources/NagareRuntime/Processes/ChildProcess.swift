#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A child process whose standard output and error are appended to a log file: how `nagare demo`
/// and `nagare audit` run the broker, pipelines and store as separate processes of the same
/// executable (`ChildProcess.currentExecutable`), so that killing one is a real process death.
///
/// The child runs in its own process group: a Ctrl-C at the terminal reaches only the parent,
/// which then stops its children in the order it chooses (the pipeline before the broker).
/// Signal dispositions and the signal mask are reset to the defaults in the child, so a parent
/// that ignores SIGINT/SIGTERM (to handle them itself) does not pass that on.
///
/// The exit status is collected by polling `waitpid(pid, WNOHANG)` from `isRunning`,
/// `waitForExit` and `waitForLine`; a child that nobody asks about stays a zombie until then,
/// which is harmless for the few long-lived children these commands run.
public final class ChildProcess: Sendable {
    public let pid: Int32
    public let executable: String
    public let arguments: [String]
    public let logFile: String
    /// The log file's size when the child started: `waitForLine` only looks at what this child
    /// wrote, not at lines an earlier process appended to the same file.
    private let logStart: UInt64
    private let exitStatus = Mutex<Int32?>(nil)

    /// How often `waitForExit` and `waitForLine` look again.
    static let pollInterval = Duration.milliseconds(20)

    /// Starts `executable arguments`; stdout and stderr are appended to `logFile` (created when
    /// missing, its folder too). `environment` adds to, or replaces entries of, this process's
    /// environment.
    public init(executable: String, arguments: [String], logFile: String, environment: [String: String]? = nil) throws {
        self.executable = executable
        self.arguments = arguments
        self.logFile = logFile
        let folder = (logFile as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw ChildProcessError(message: "cannot create the log folder \(folder): \(error.localizedDescription)")
            }
        }
        let fd = open(logFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ChildProcessError(message: "cannot open the log file \(logFile): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        logStart = fstat(fd, &info) == 0 ? UInt64(info.st_size) : 0

        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment ?? [:] { variables[key] = value }
        // A nagare child stops itself (as on SIGTERM) if this process dies without stopping it,
        // e.g. after a SIGKILL: its own process group keeps Ctrl-C away from it, so nothing
        // else would.
        variables[ParentWatch.variable] = String(getpid())
        pid = try Self.spawn(executable: executable, arguments: arguments, logDescriptor: fd,
                             environment: variables.map { "\($0.key)=\($0.value)" })
    }

    private static func spawn(executable: String, arguments: [String], logDescriptor fd: Int32, environment: [String]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fd, 1)
        posix_spawn_file_actions_adddup2(&actions, fd, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        var result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        // ETXTBSY: the executable is being rewritten (a build replacing it); that lasts a
        // moment, so try again for up to 10 s before giving up.
        var attempts = 0
        while result == ETXTBSY && attempts < 100 {
            attempts += 1
            usleep(100_000)
            result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        }
        guard result == 0 else {
            throw ChildProcessError(message: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// This program's own executable as an absolute path, for starting sub-commands of it.
    public static var currentExecutable: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        let first = CommandLine.arguments[0]
        if first.hasPrefix("/") { return first }
        return URL(fileURLWithPath: first, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
    }

    public var isRunning: Bool { reap() == nil }

    public func signal(_ signal: Int32) {
        // Once reaped, the pid may belong to another process: never signal it.
        guard reap() == nil else { return }
        kill(pid, signal)
    }

    /// The exit status if the child has ended (128 + signal number when a signal ended it).
    private func reap() -> Int32? {
        exitStatus.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            guard result == pid else { return nil }
            // WIFEXITED / WTERMSIG are macros Swift does not import: the low 7 bits are the
            // terminating signal, 0 for a normal exit whose status is in the next byte.
            let signalNumber = raw & 0x7f
            status = signalNumber == 0 ? (raw >> 8) & 0xff : 128 + signalNumber
            return status
        }
    }

    /// Exit status (or 128+signal), nil on timeout. Task cancellation does not cut the wait
    /// short: a caller stopping its children in order must know each one has ended.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = reap() { return status }
            if ContinuousClock.now >= deadline { return nil }
            await Self.pause(Self.pollInterval)
        }
    }

    /// Sleeps `duration` even in a cancelled task (where `Task.sleep` returns at once and the
    /// polling loop would spin).
    private static func pause(_ duration: Duration) async {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { continuation.resume() }
        }
    }

    /// Waits until a line of the log matching `predicate` appears (returns it), throws on timeout
    /// or exit. Only lines this child wrote are considered; a last line without its newline yet is
    /// not.
    public func waitForLine(timeout: Duration, where predicate: @Sendable (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        guard let handle = FileHandle(forReadingAtPath: logFile) else {
            throw ChildProcessError(message: "cannot read the log file \(logFile)")
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: logStart)
        var pending = Data()
        while true {
            // Read what is there before looking at the exit status, so a line written just
            // before the child exited is still found.
            let exited = reap()
            if let chunk = try handle.readToEnd(), !chunk.isEmpty {
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    if predicate(line) { return line }
                }
            }
            if let exited {
                throw ChildProcessError(message: "\(commandDescription) exited with status \(exited) before printing the expected line (see \(logFile))")
            }
            if ContinuousClock.now >= deadline {
                throw ChildProcessError(message: "\(commandDescription) did not print the expected line within \(timeout) (see \(logFile))")
            }
            try await Task.sleep(for: Self.pollInterval)
        }
    }

    /// `nagare run` and the like, for messages.
    public var commandDescription: String {
        let name = (executable as NSString).lastPathComponent
        return ([name] + arguments.prefix(1)).joined(separator: " ")
    }
}

/// Starting a child process or waiting for it failed; the message names the command and its log.
public struct ChildProcessError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
