import Foundation

/// Lets a supervised nagare process (started by `nagare demo`, `audit` or `bench`) outlive its
/// supervisor by at most half a second: when `NAGARE_PARENT_PID` names a process that is no
/// longer this one's parent, the process sends itself SIGTERM, which its command handles as a
/// graceful stop (finish the batch, commit, exit).
public enum ParentWatch {
    public static let variable = "NAGARE_PARENT_PID"

    /// Starts watching on a thread of its own when the environment asks for it; does nothing
    /// otherwise. `grace` delays the stop after the parent is gone: the broker gives the
    /// processes that use it time to commit and leave before it goes.
    public static func startIfRequested(grace: Duration = .zero) {
        guard let text = ProcessInfo.processInfo.environment[variable], let parent = Int32(text), parent > 1 else { return }
        let graceMicroseconds = UInt32(grace.components.seconds * 1_000_000 + grace.components.attoseconds / 1_000_000_000_000)
        let thread = Thread {
            while getppid() == parent { usleep(500_000) }
            if graceMicroseconds > 0 { usleep(graceMicroseconds) }
            kill(getpid(), SIGTERM)
        }
        thread.name = "nagare-parent-watch"
        thread.start()
    }
}
