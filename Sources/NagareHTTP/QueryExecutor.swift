import Dispatch
import Foundation
import NagareStore
import Synchronization

/// Runs store queries off Swift's cooperative thread pool (a query is CPU-bound and synchronous)
/// with at most `maxConcurrentQueries` at once and a time limit.
///
/// The time limit answers the client; it cannot stop the evaluation, which has no cancellation
/// points, so a timed-out query still finishes on its thread and its result is dropped. The
/// concurrency limit bounds how many such threads can exist.
final class QueryExecutor: Sendable {
    private let store: AnalyticsStore
    private let timeout: Duration
    private let queue: OperationQueue

    init(store: AnalyticsStore, configuration: HTTPConfiguration) {
        self.store = store
        timeout = configuration.queryTimeout
        queue = OperationQueue()
        queue.name = "nagare.http.queries"
        queue.maxConcurrentOperationCount = configuration.maxConcurrentQueries
    }

    /// The query's JSON response; throws `DruidError` (400 for bad queries, 504 on timeout).
    func run(_ body: [UInt8]) async throws(DruidError) -> [UInt8] {
        let once = ResumeOnce()
        let store = self.store
        let timeout = self.timeout
        let result: Result<[UInt8], DruidError> = await withCheckedContinuation { continuation in
            once.set(continuation)
            queue.addOperation {
                do throws(StoreError) {
                    once.resume(.success(try store.query(body)))
                } catch {
                    once.resume(.failure(DruidError(error)))
                }
            }
            let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) {
                once.resume(.failure(DruidError.timeout(after: timeout)))
            }
        }
        return try result.get()
    }
}

/// Whichever of the query and the timer comes first resumes the waiting request.
private final class ResumeOnce: Sendable {
    private let continuation = Mutex<CheckedContinuation<Result<[UInt8], DruidError>, Never>?>(nil)

    func set(_ c: CheckedContinuation<Result<[UInt8], DruidError>, Never>) { continuation.withLock { $0 = c } }

    func resume(_ result: Result<[UInt8], DruidError>) {
        continuation.withLock { c in
            c?.resume(returning: result)
            c = nil
        }
    }
}
