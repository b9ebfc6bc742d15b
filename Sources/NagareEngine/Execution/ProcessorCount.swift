import Foundation

/// Processor cores available to this process: the default batch parallelism.
func systemProcessorCount() -> Int { ProcessInfo.processInfo.activeProcessorCount }
