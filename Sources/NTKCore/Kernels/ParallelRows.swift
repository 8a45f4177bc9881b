import Foundation

/// Row partitioning and parallel loops for the elementwise kernel passes.
enum ParallelRows {
    /// Number of worker threads used by the elementwise passes (`--threads`).
    static var workers: Int { Parallel.workerCount }

    /// Splits rows 0..<n into about `chunks` contiguous ranges of equal work, where row i costs
    /// `cost(i)` (e.g. n − i for an upper triangle).
    static func partition(_ n: Int, chunks: Int, cost: (Int) -> Double) -> [Range<Int>] {
        if n == 0 { return [] }
        var total = 0.0
        for i in 0..<n { total += cost(i) }
        let target = total / Double(Swift.max(1, chunks))
        var ranges = [Range<Int>]()
        var start = 0, acc = 0.0
        for i in 0..<n {
            acc += cost(i)
            if acc >= target || i == n - 1 {
                ranges.append(start..<(i + 1))
                start = i + 1
                acc = 0
            }
        }
        return ranges
    }

    /// Rows 0..<n split into `chunks` contiguous ranges of (nearly) equal length.
    static func equalChunks(_ n: Int, chunks: Int) -> [Range<Int>] {
        Parallel.equalRanges(n, count: Swift.max(1, Swift.min(chunks, n)))
    }

    /// Runs `body` on every range on `Parallel.workerCount` threads (dynamic scheduling, so
    /// several chunks per thread balance the load).
    static func forEach(_ ranges: [Range<Int>], _ body: @Sendable (Range<Int>) -> Void) {
        Parallel.forEach(ranges.count) { k in body(ranges[k]) }
    }
}

