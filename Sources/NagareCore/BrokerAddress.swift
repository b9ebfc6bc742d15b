/// A `host:port` pair as written on command lines and in configuration.
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[v6]:port`; fails with a message naming the bad part. Port 0 (any
    /// free port) is accepted only for listening addresses (`allowsAnyPort`).
    public init(parsing text: String, allowsAnyPort: Bool = false) throws(ConfigurationError) {
        let trimmed = text.trimmingSpaces()
        guard let colon = trimmed.lastIndex(of: ":") else {
            throw ConfigurationError("'\(text)' is not HOST:PORT (no ':port')")
        }
        var host = String(trimmed[..<colon])
        let portText = trimmed[trimmed.index(after: colon)...]
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ConfigurationError("'\(text)' has an empty host") }
        guard let port = Int(portText), ((allowsAnyPort ? 0 : 1)...65535).contains(port) else {
            throw ConfigurationError("'\(text)' has a bad port '\(portText)' (expected \(allowsAnyPort ? 0 : 1)-65535)")
        }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension String {
    func trimmingSpaces() -> Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s = s.dropLast() }
        return s
    }
}
