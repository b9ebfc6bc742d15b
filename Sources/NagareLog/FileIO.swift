#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file, read and written with positional system calls only (`pread`, `pwrite`), so
/// there is no shared file offset and no buffering layer between the log and the kernel.
///
/// Sendable because the descriptor never changes and positional I/O on one descriptor from
/// several threads is safe in POSIX; the log relies on this to `fsync` outside its lock. The
/// descriptor is closed when the last reference goes away, so a segment deleted by retention
/// while a flush still holds it stays valid until that flush ends.
final class FileIO: Sendable {
    let descriptor: Int32
    let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { _ = systemClose(descriptor) }

    /// Opens `path` for reading and writing, creating it (mode 0644) when `create` is true.
    static func open(_ path: String, create: Bool) throws(LogError) -> FileIO {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let fd = retryOnInterrupt { systemOpen(path, flags, 0o644) }
        guard fd >= 0 else { throw failure("open", path, errno) }
        return FileIO(descriptor: fd, path: path)
    }

    /// The file's size in bytes.
    func size() throws(LogError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Self.failure("fstat", path, errno) }
        return Int(info.st_size)
    }

    /// Writes all of `bytes` at `offset`, looping over short writes.
    func write(_ bytes: [UInt8], at offset: Int) throws(LogError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                retryOnInterrupt { pwrite(descriptor, raw.baseAddress! + done, raw.count - done, off_t(offset + done)) }
            }
            guard n > 0 else { throw Self.failure("pwrite", path, n == 0 ? EIO : errno) }
            done += n
        }
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: Int, count: Int) throws(LogError) -> [UInt8] {
        guard count > 0 else { return [] }
        var failedErrno: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let n = retryOnInterrupt { pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done)) }
                if n < 0 { failedErrno = errno; break }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
        guard failedErrno == 0 else { throw Self.failure("pread", path, failedErrno) }
        return bytes
    }

    /// Forces written data to stable storage. Data only (`fdatasync`) would do for the log
    /// itself, but the size changes on every append, so the metadata must go too.
    func sync() throws(LogError) {
        guard retryOnInterrupt({ fsync(descriptor) }) == 0 else { throw Self.failure("fsync", path, errno) }
    }

    /// Cuts the file to `size` bytes.
    func truncate(to size: Int) throws(LogError) {
        guard retryOnInterrupt({ ftruncate(descriptor, off_t(size)) }) == 0 else {
            throw Self.failure("ftruncate", path, errno)
        }
    }

    static func failure(_ call: String, _ path: String, _ code: Int32) -> LogError {
        LogError(.io, "\(call) failed on \(path)", underlying: LogError.SystemCallFailure(call: call, errno: code))
    }
}

/// File-system operations on paths (not on open files).
enum FileSystem {
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` and missing parents (`mkdir -p`).
    static func createDirectory(_ path: String) throws(LogError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw FileIO.failure("mkdir", prefix, errno)
            }
        }
        guard isDirectory(path) else { throw FileIO.failure("mkdir", path, ENOTDIR) }
    }

    /// The names in a directory, without "." and "..".
    static func contents(of path: String) throws(LogError) -> [String] {
        guard let dir = opendir(path) else { throw FileIO.failure("opendir", path, errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    static func remove(_ path: String) throws(LogError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw FileIO.failure("unlink", path, errno) }
    }

    static func removeDirectory(_ path: String) throws(LogError) {
        guard rmdir(path) == 0 || errno == ENOENT else { throw FileIO.failure("rmdir", path, errno) }
    }

    /// Atomically replaces `to` with `from` (POSIX `rename`).
    static func rename(_ from: String, to: String) throws(LogError) {
        guard systemRename(from, to) == 0 else { throw FileIO.failure("rename", "\(from) -> \(to)", errno) }
    }

    /// Makes a directory's entries (created, renamed, deleted files) durable.
    static func syncDirectory(_ path: String) throws(LogError) {
        let fd = systemOpen(path, O_RDONLY | O_CLOEXEC | O_DIRECTORY, 0)
        guard fd >= 0 else { throw FileIO.failure("open", path, errno) }
        defer { _ = systemClose(fd) }
        guard fsync(fd) == 0 else { throw FileIO.failure("fsync", path, errno) }
    }

    /// Writes a small file atomically: a temporary file, fsync, rename, directory fsync. Used
    /// for markers and checkpoints, which must be either old or new after a crash.
    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws(LogError) {
        let temporary = path + ".tmp"
        do {
            let file = try FileIO.open(temporary, create: true)
            try file.truncate(to: 0)
            try file.write(bytes, at: 0)
            try file.sync()
        }
        try rename(temporary, to: path)
        try syncDirectory(directory)
    }

    /// The whole content of a small file, or nil when it does not exist.
    static func readSmallFile(_ path: String) throws(LogError) -> [UInt8]? {
        guard exists(path) else { return nil }
        let file = try FileIO.open(path, create: false)
        return try file.read(at: 0, count: try file.size())
    }
}

// The system functions under other names, because `FileIO.open` and friends shadow them.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
private func systemRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }

func systemErrorMessage(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

@inline(__always)
private func retryOnInterrupt<T: FixedWidthInteger & SignedInteger>(_ call: () -> T) -> T {
    while true {
        let result = call()
        if result == -1 && errno == EINTR { continue }
        return result
    }
}
