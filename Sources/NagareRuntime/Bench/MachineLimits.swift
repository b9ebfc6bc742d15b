#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The machine's physical limits that bound the broker: how long an fsync of a small write takes
/// in the data directory (what acks=all waits for, shared by group commit), and how fast TCP
/// moves bytes over loopback (what every client connection here goes through).
///
/// Back of the envelope: an fsync on a virtual disk or SSD is 0.1-5 ms; loopback TCP between two
/// threads copies through the kernel at a few GB/s per core.
enum MachineLimits {
    /// Writes 4 KiB and fsyncs it, `samples` times (stopping after 5 s), in a file in `directory`.
    static func fsyncLatency(directory: String, samples: Int = 500) throws -> (count: Int, p50: Double, p99: Double) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/fsync-probe"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("fsync: cannot create \(path): \(String(cString: strerror(errno)))") }
        defer {
            close(fd)
            unlink(path)
        }
        let block = [UInt8](repeating: 0x6e, count: 4096)
        var histogram = LatencyHistogram()
        let deadline = ContinuousClock.now + .seconds(5)
        var count = 0
        while count < samples && ContinuousClock.now < deadline {
            let start = ContinuousClock.now
            let written = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == block.count, fsync(fd) == 0 else {
                throw BenchError("fsync: writing \(path) failed: \(String(cString: strerror(errno)))")
            }
            let d = ContinuousClock.now - start
            histogram.record(microseconds: d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000)
            count += 1
        }
        return (count, histogram.milliseconds(at: 50), histogram.milliseconds(at: 99))
    }

    /// Megabytes per second sent over a loopback TCP connection in 1 MiB writes for `duration`,
    /// one thread writing and one reading.
    static func loopbackBandwidth(duration: Duration = .seconds(2)) throws -> Double {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw BenchError("loopback: socket: \(String(cString: strerror(errno)))") }
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                bind(listener, p, length) == 0 && listen(listener, 1) == 0 && getsockname(listener, p, &length) == 0
            }
        }
        guard bound else { throw BenchError("loopback: cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))") }
        let sender = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(sender, $0, length) == 0 }
        }
        guard sender >= 0, connected else { throw BenchError("loopback: cannot connect: \(String(cString: strerror(errno)))") }
        let receiver = accept(listener, nil, nil)
        guard receiver >= 0 else {
            close(sender)
            throw BenchError("loopback: accept: \(String(cString: strerror(errno)))")
        }
        defer { close(receiver) }

        // The writer runs on its own thread until the time is up, then closes its end, which
        // ends the reader's loop.
        let writerDone = DispatchSemaphore(value: 0)
        let start = ContinuousClock.now
        Thread.detachNewThread {
            let buffer = [UInt8](repeating: 0x6e, count: 1 << 20)
            while ContinuousClock.now - start < duration {
                if buffer.withUnsafeBytes({ send(sender, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) <= 0 { break }
            }
            shutdown(sender, Int32(SHUT_WR))
            close(sender)
            writerDone.signal()
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(receiver, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            total += n
        }
        let elapsed = (ContinuousClock.now - start).benchSeconds
        writerDone.wait()
        return Double(total) / 1e6 / elapsed
    }
}
