import Foundation

/// The file access dimension tables need: a cheap change check and the contents.
///
/// A seam so that tests change a table's "modification time" deterministically instead of
/// sleeping past the file system's timestamp resolution.
public protocol TableFileSystem: Sendable {
    /// A value that changes whenever the file's contents may have changed (modification time
    /// and size). Throws when the file cannot be examined.
    func version(of path: String) throws -> FileVersion
    func contents(of path: String) throws -> [UInt8]
}

/// Modification time in nanoseconds since the epoch, and size in bytes.
public struct FileVersion: Hashable, Sendable {
    public var modificationNanoseconds: Int64
    public var size: Int64

    public init(modificationNanoseconds: Int64, size: Int64) {
        self.modificationNanoseconds = modificationNanoseconds
        self.size = size
    }
}

/// The real file system, through Foundation.
public struct LocalFileSystem: TableFileSystem {
    public init() {}

    public func version(of path: String) throws -> FileVersion {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let date = attributes[.modificationDate] as? Date ?? .distantPast
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        return FileVersion(modificationNanoseconds: Int64(date.timeIntervalSince1970 * 1e9), size: size)
    }

    public func contents(of path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
