#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// CPU time of a process from `/proc/<pid>/stat` (user + system, its threads included), the way
/// the benchmarks charge work to the job and to the broker.
enum ProcessCPU {
    /// Seconds of CPU the process has used, nil when it is gone or /proc is unavailable.
    static func seconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After "pid (comm)" the fields are: state(3) ... utime(14) stime(15); the command name
        // may contain spaces, hence the split after its closing parenthesis.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The 1, 5 and 15 minute load averages, as `uptime` prints them.
    static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}
