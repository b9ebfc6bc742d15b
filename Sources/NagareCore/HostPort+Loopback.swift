extension HostPort {
    /// True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost): the only
    /// ones Nagare's servers bind without `--allow-remote`, as they have no authentication yet.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
