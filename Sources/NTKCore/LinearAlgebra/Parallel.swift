import CBLAS
import Foundation

/// The project's threads, and why results do not depend on how many there are.
///
/// OpenBLAS's own threading splits a product differently for each thread count, and its
/// kernels then add the same terms in different orders: measured here, 1 and 2 threads give
/// different dgemm bytes for most shapes with the SkylakeX kernels and for some with Haswell's
/// (`fig6-random-labels --threads 1` vs `2` differed in 1203 of 2813 CSV cells). So OpenBLAS
/// itself always runs on ONE thread, and every product is cut into blocks by a rule that looks
/// only at its shape (`blockCount`); the blocks are then computed by `workerCount` threads. Each
/// block is the same single-threaded BLAS call whichever thread runs it, so the bytes are the
/// same for any thread count. On this machine the blocked products run at OpenBLAS's own
/// 2-thread speed (dgemm 4000³: 103–107 vs 102–105 GFLOP/s; 1000×500×784: 95 vs 94).
///
/// LAPACK factorisations call BLAS internally and cannot be cut this way; they run on one thread
/// (deterministic) unless the matrix has order ≥ `lapackThreadingThreshold`, where they use
/// OpenBLAS's threads for speed (`withLAPACKThreads`) and their last bits then depend on the
/// thread count. Only `ntk predict`-sized solves (N in the thousands) reach that size.
public enum Parallel {
    /// Shared mutable settings behind a lock (Swift 6 forbids unguarded mutable globals).
    private final class Settings: @unchecked Sendable {
        let lock = NSLock()
        var workers: Int
        var minimumBlockFlops = 1.0e7
        var minimumBlockSize = 128
        init() {
            // OpenBLAS reads OPENBLAS_NUM_THREADS (or the core count) at start-up: keep that as
            // the default worker count, then pin OpenBLAS itself to one thread.
            workers = Swift.max(1, Int(openblas_get_num_threads()))
            openblas_set_num_threads(1)
        }
    }
    private static let settings = Settings()

    /// Largest number of blocks one product is cut into.
    public static let maximumBlocks = 16
    /// LAPACK calls on matrices of at least this order use OpenBLAS's threads.
    public static let lapackThreadingThreshold = 2048

    /// Threads used by every parallel loop and blocked BLAS call (`--threads`).
    public static var workerCount: Int {
        get { settings.lock.withLock { settings.workers } }
        set { settings.lock.withLock { settings.workers = Swift.max(1, newValue) } }
    }

    /// The smallest block, in flops and in rows (or columns), worth a separate BLAS call. Tests
    /// lower them so that small products are cut too.
    static var minimumBlock: (flops: Double, size: Int) {
        get { settings.lock.withLock { (settings.minimumBlockFlops, settings.minimumBlockSize) } }
        set { settings.lock.withLock { settings.minimumBlockFlops = newValue.flops; settings.minimumBlockSize = newValue.size } }
    }

    /// Number of blocks for a product whose output has `size` rows (or columns) along the cut and
    /// costs `flops`: the largest power of two ≤ `maximumBlocks` that leaves every block at
    /// least the minimum size and cost. Depends on the shape only, never on `workerCount`.
    static func blockCount(size: Int, flops: Double) -> Int {
        let (minFlops, minSize) = minimumBlock
        var c = 1
        while c * 2 <= maximumBlocks && size / (c * 2) >= minSize && flops / Double(c * 2) >= minFlops { c *= 2 }
        return c
    }

    /// Cuts 0..<n into `count` contiguous ranges of (nearly) equal length.
    static func equalRanges(_ n: Int, count: Int) -> [Range<Int>] {
        (0..<count).map { k in (n * k / count)..<(n * (k + 1) / count) }
    }

    /// The pieces `allFinite` scans, one per task: at least 65 536 entries each, up to 8 per worker.
    static func finiteScanRanges(_ n: Int) -> [Range<Int>] {
        equalRanges(n, count: Swift.max(1, Swift.min(8 * workerCount, n / 65536)))
    }

    /// Whether every entry of `values` is finite, scanned on all worker threads (a 50 000²
    /// packed kernel is 10 GB: a C loop of the same form scans it in 0.54–0.59 s on one thread
    /// and 0.34–0.40 s on two, measured on 2026-12-03).
    static func allFinite(_ values: UnsafeBufferPointer<Double>) -> Bool {
        let ranges = finiteScanRanges(values.count)
        let finite = FlagArray(count: ranges.count)
        let base = SendablePointer(values)
        forEach(ranges.count) { c in
            var ok = true
            for k in ranges[c] { ok = ok && base.base[k].isFinite }
            finite.set(c, ok)
        }
        return finite.all
    }

    /// Runs `body(i)` for every i in 0..<count on up to `workerCount` threads; each thread takes
    /// the next undone index (dynamic scheduling). The caller's thread is one of them.
    public static func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        forEach(count, workers: workerCount, body)
    }

    /// The same on up to `requested` threads (e.g. `IndependentRuns`, which sets `workerCount`
    /// to 1 for the products inside each item).
    static func forEach(_ count: Int, workers requested: Int, _ body: @Sendable (Int) -> Void) {
        let workers = Swift.min(requested, count)
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        let next = Counter()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = next.take(below: count) { body(i) }
        }
    }

    /// Runs `body` with OpenBLAS's threads set to `workerCount` when `order` ≥
    /// `lapackThreadingThreshold`, else on one thread; OpenBLAS returns to one thread after.
    public static func withLAPACKThreads<R>(order: Int, _ body: () throws -> R) rethrows -> R {
        let threads = order >= lapackThreadingThreshold ? workerCount : 1
        if threads == 1 { return try body() }
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        return try body()
    }

    /// Makes sure OpenBLAS has been pinned to one thread (the settings are created lazily).
    @inline(__always) static func prepare() { _ = settings }

    private final class Counter: @unchecked Sendable {
        let lock = NSLock()
        var value = 0
        func take(below n: Int) -> Int? {
            lock.withLock {
                guard value < n else { return nil }
                defer { value += 1 }
                return value
            }
        }
    }
}

/// A pointer that may cross into `Parallel.forEach` workers: each worker touches a disjoint
/// block of it and the owner keeps the buffer alive.
@usableFromInline
struct SendablePointer<T>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<T>
    @usableFromInline init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    @usableFromInline init(_ base: UnsafePointer<T>) { self.base = UnsafeMutablePointer(mutating: base) }
    /// The buffer's start; an empty buffer (nil base address) gets a dangling, never-read pointer.
    @usableFromInline init(_ buffer: UnsafeMutableBufferPointer<T>) {
        self.base = buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<T>.alignment)!
    }
    @usableFromInline init(_ buffer: UnsafeBufferPointer<T>) {
        self.base = UnsafeMutablePointer(mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<T>.alignment)!)
    }
}

extension BLASScalar {
    /// Row-major `C ← α·op(A)·op(B) + β·C` (`m×k` by `k×n`), cut into blocks along the longer
    /// side of C (`Parallel.blockCount`) and run on `Parallel.workerCount` threads; each block
    /// is one single-threaded ?gemm, so the result does not depend on the thread count.
    public static func gemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Self,
                            _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
                            beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int) {
        Parallel.prepare()
        let alongRows = m >= n
        let blocks = Parallel.blockCount(size: alongRows ? m : n, flops: 2 * Double(m) * Double(n) * Double(k))
        if blocks == 1 {
            gemmBlock(transA, transB, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
            return
        }
        let ranges = Parallel.equalRanges(alongRows ? m : n, count: blocks)
        let pa = SendablePointer(a), pb = SendablePointer(b), pc = SendablePointer(c)
        Parallel.forEach(blocks) { i in
            let r = ranges[i]
            if alongRows {
                // Rows r of op(A): rows of A, or columns of A when transposed.
                let aOff = transA == .none ? r.lowerBound * lda : r.lowerBound
                gemmBlock(transA, transB, m: r.count, n: n, k: k, alpha: alpha, pa.base + aOff, lda: lda,
                          pb.base, ldb: ldb, beta: beta, pc.base + r.lowerBound * ldc, ldc: ldc)
            } else {
                // Columns r of op(B): columns of B, or rows of B when transposed.
                let bOff = transB == .none ? r.lowerBound : r.lowerBound * ldb
                gemmBlock(transA, transB, m: m, n: r.count, k: k, alpha: alpha, pa.base, lda: lda,
                          pb.base + bOff, ldb: ldb, beta: beta, pc.base + r.lowerBound, ldc: ldc)
            }
        }
    }

    /// Row-major `y ← α·op(A)·x + β·y` for `A` of size `rows×columns`, cut into blocks of the
    /// output as `gemm` is (same guarantee).
    public static func gemv(_ trans: Transpose, rows: Int, columns: Int, alpha: Self, _ a: UnsafePointer<Self>,
                            _ x: UnsafePointer<Self>, beta: Self, _ y: UnsafeMutablePointer<Self>) {
        Parallel.prepare()
        let out = trans == .none ? rows : columns
        let blocks = Parallel.blockCount(size: out, flops: 2 * Double(rows) * Double(columns))
        if blocks == 1 {
            gemvBlock(trans, rows: rows, columns: columns, alpha: alpha, a, lda: columns, x, beta: beta, y)
            return
        }
        let ranges = Parallel.equalRanges(out, count: blocks)
        let pa = SendablePointer(a), px = SendablePointer(x), py = SendablePointer(y)
        Parallel.forEach(blocks) { i in
            let r = ranges[i]
            if trans == .none {
                gemvBlock(.none, rows: r.count, columns: columns, alpha: alpha, pa.base + r.lowerBound * columns,
                          lda: columns, px.base, beta: beta, py.base + r.lowerBound)
            } else {
                gemvBlock(.transpose, rows: rows, columns: r.count, alpha: alpha, pa.base + r.lowerBound,
                          lda: columns, px.base, beta: beta, py.base + r.lowerBound)
            }
        }
    }
}

extension Double {
    /// Row-major upper triangle of `C ← α·A·Aᵀ + β·C` for `A` of size `n×k` (dsyrk), cut into
    /// row blocks of equal triangle area: block b is one dsyrk on its diagonal block and one
    /// dgemm to its right, each single-threaded, run on `Parallel.workerCount` threads (so the
    /// result does not depend on the thread count). The lower triangle is not touched.
    public static func syrkUpper(n: Int, k: Int, alpha: Double, _ a: UnsafePointer<Double>, lda: Int,
                                 beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        Parallel.prepare()
        guard n > 0 else { return }
        let blocks = Parallel.blockCount(size: n, flops: Double(n) * Double(n) * Double(k))
        // Boundaries where the cumulative area of the rows' upper parts (n − i) reaches b/blocks.
        var bounds = [0]
        if blocks > 1 {
            let total = Double(n) * Double(n + 1) / 2
            var acc = 0.0
            for i in 0..<n {
                acc += Double(n - i)
                if acc >= total * Double(bounds.count) / Double(blocks) && bounds.count < blocks { bounds.append(i + 1) }
            }
        }
        if bounds.last != n { bounds.append(n) }
        let pa = SendablePointer(a), pc = SendablePointer(c), rowBounds = bounds
        Parallel.forEach(rowBounds.count - 1) { b in
            let r0 = rowBounds[b], r1 = rowBounds[b + 1], rows = r1 - r0
            guard rows > 0 else { return }
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(rows), Int32(k), alpha,
                        pa.base + r0 * lda, Int32(lda), beta, pc.base + r0 * ldc + r0, Int32(ldc))
            if r1 < n {
                gemmBlock(.none, .transpose, m: rows, n: n - r1, k: k, alpha: alpha, pa.base + r0 * lda, lda: lda,
                          pa.base + r1 * lda, ldb: lda, beta: beta, pc.base + r0 * ldc + r1, ldc: ldc)
            }
        }
    }
}
