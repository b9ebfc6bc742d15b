import CAllocator
import Foundation

/// Keeps freed heap memory in the process instead of handing it back to the kernel at once.
///
/// Why: glibc's defaults give memory back eagerly (a free region above 128 KiB at the top of a
/// heap is trimmed; allocations above a threshold that adapts up to 32 MiB get their own
/// mapping), so memory freed by one batch is fresh memory to the next, and the kernel zeroes
/// every page of it again on first touch. `nagare run` frees and reallocates librdkafka's fetch
/// buffers, a batch's records and its produced records continuously; the broker does the same
/// with request and response buffers. On this project's 2-core VM, `perf` put the kernel's page
/// clearing at 6-16% of all CPU during `nagare bench throughput`.
///
/// The cost: a process keeps up to `trimThreshold` of freed memory it may not reuse. Its peak
/// stays bounded by what it ever held at once (every buffer in the pipeline is bounded).
/// `GLIBC_TUNABLES` with a `glibc.malloc.` setting wins: the process then leaves malloc alone.
public enum AllocatorTuning {
    /// Freed memory at the top of a heap kept for reuse before it is returned: 256 MiB.
    public static let trimThreshold = 256 << 20
    /// Allocations this big or bigger get their own mapping: 32 MiB (glibc's adaptive maximum).
    public static let mmapThreshold = 32 << 20

    /// What `apply` did.
    public enum Outcome: Sendable, CustomStringConvertible {
        case applied
        /// `GLIBC_TUNABLES` sets malloc options: they stand.
        case leftToEnvironment
        /// Not glibc, or it refused the values.
        case unsupported

        public var description: String {
            switch self {
            case .applied:
                "malloc keeps up to \(AllocatorTuning.trimThreshold >> 20) MiB of freed memory for reuse (mmap threshold \(AllocatorTuning.mmapThreshold >> 20) MiB)"
            case .leftToEnvironment: "malloc settings left to GLIBC_TUNABLES"
            case .unsupported: "malloc thresholds not set: not glibc, or glibc refused the values"
            }
        }
    }

    /// Applies the thresholds unless the environment sets malloc tunables. Call once, early in
    /// the command, before threads allocate.
    @discardableResult
    public static func apply() -> Outcome {
        if let tunables = ProcessInfo.processInfo.environment["GLIBC_TUNABLES"], tunables.contains("glibc.malloc.") {
            return .leftToEnvironment
        }
        return nagare_allocator_set_thresholds(trimThreshold, mmapThreshold) == 1 ? .applied : .unsupported
    }
}
