extension HostPort {
    /// True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost): the only
    /// ones the HTTP servers bind without an access token, and the broker without
    /// `--allow-remote` (it has no authentication).
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
