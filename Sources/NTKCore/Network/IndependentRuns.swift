import Foundation

/// Many small independent computations (e.g. an ensemble of networks trained on a handful of
/// inputs) spread over the cores, one per worker thread, each running its products on one thread.
///
/// Products with 3–4 rows gain nothing from OpenBLAS threads: on the 2-core machine a quick fig9
/// ensemble took 29.7 s with 2 BLAS threads and 17.0 s with 1 (docs/SPEC.md §7.8). Running two
/// networks at a time on single-threaded BLAS uses both cores instead. Each item runs entirely on
/// one thread with its own seeded generator, so the results do not depend on `workers`.
public enum IndependentRuns {
    /// `body(i)` for i in 0..<count on up to `workers` threads; results in index order.
    /// `Parallel.workerCount` is 1 for the duration (each item computes on its own thread) and restored
    /// afterwards; the first error is rethrown.
    /// `done(i)` is called (serialised) after item i finishes, e.g. for progress messages.
    public static func map<T: Sendable>(_ count: Int, workers: Int, done: (@Sendable (Int) -> Void)? = nil,
                                        _ body: @Sendable (Int) throws -> T) throws -> [T] {
        let previous = BLAS.threadCount
        BLAS.setThreadCount(1)
        defer { BLAS.setThreadCount(previous) }
        let state = State<T>(count: count)
        Parallel.forEach(count, workers: Swift.max(1, workers)) { i in
            guard !state.failed else { return }           // after a failure, the rest are skipped
            do {
                state.store(try body(i), at: i, done: done)
            } catch {
                state.fail(error)
            }
        }
        return try state.results()
    }

    /// Shared bookkeeping of one `map`, every access under its lock.
    final class State<T: Sendable>: @unchecked Sendable {
        let lock = NSLock()
        var values: [T?]
        var error: Error?

        init(count: Int) {
            values = [T?](repeating: nil, count: count)
        }

        var failed: Bool { lock.withLock { error != nil } }

        func store(_ v: T, at i: Int, done: (@Sendable (Int) -> Void)?) {
            lock.withLock {
                values[i] = v
                done?(i)
            }
        }

        func fail(_ e: Error) { lock.withLock { if error == nil { error = e } } }

        func results() throws -> [T] {
            try lock.withLock {
                if let e = error { throw e }
                return values.map { $0! }
            }
        }
    }
}
