/// A table loaded from a file and loaded again when the file changes, without a restart.
///
/// Checks the file's version (modification time and size) at most once per `checkInterval`
/// of the injected wall clock, so a busy pipeline does not `stat` per event. A reload that
/// fails (a half-written or broken file) keeps the previous table and records the error in
/// `lastReloadError`: enrichment goes on with data that was valid a moment ago rather than
/// stopping the pipeline or labelling everything unknown.
public final class ReloadingTable<Table: Sendable> {
    public let path: String
    public private(set) var table: Table
    public private(set) var version: FileVersion
    public private(set) var reloadCount = 0
    public private(set) var lastReloadError: (any Error)?

    private let fileSystem: any TableFileSystem
    private let checkInterval: Duration
    private let load: ([UInt8]) throws -> Table
    private var lastCheck: Duration

    /// Loads the table now; a failure here is an error, since there is nothing to fall back to.
    public init(
        path: String, fileSystem: any TableFileSystem, checkInterval: Duration, now: Duration,
        load: @escaping ([UInt8]) throws -> Table
    ) throws(EngineError) {
        self.path = path
        self.fileSystem = fileSystem
        self.checkInterval = checkInterval
        self.load = load
        self.lastCheck = now
        do {
            self.version = try fileSystem.version(of: path)
            self.table = try load(try fileSystem.contents(of: path))
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(.invalidTable, "\(path): cannot load: \(error)", cause: error)
        }
    }

    /// Reloads when `checkInterval` has passed since the last check and the file changed.
    /// Returns true when the table was replaced.
    @discardableResult
    public func refreshIfNeeded(now: Duration) -> Bool {
        guard now - lastCheck >= checkInterval else { return false }
        lastCheck = now
        do {
            let current = try fileSystem.version(of: path)
            guard current != version else { return false }
            let newTable = try load(try fileSystem.contents(of: path))
            table = newTable
            version = current
            reloadCount += 1
            lastReloadError = nil
            return true
        } catch {
            lastReloadError = error
            return false
        }
    }
}
