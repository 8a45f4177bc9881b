import CLAPACKE
import Foundation

/// A symmetric N×N matrix in LAPACK's Rectangular Full Packed format: the lower triangle in
/// N(N+1)/2 doubles, TRANSR = 'N', UPLO = 'L', column-major (LAPACK_COL_MAJOR, so LAPACKE
/// passes the array straight through, without a transposed copy). The RFP routines
/// (dpftrf/dpftrs) run on level-3 BLAS at half the memory of a dense matrix: N = 50 000 is
/// 10 GB, N = 60 000 is 14.4 GB.
///
/// Layout (LAPACK Working Note 199; checked against LAPACKE_dtrttf in the tests), entry A(i, j)
/// with i ≥ j:
/// - N odd, n1 = (N+1)/2, an N×n1 array:  j < n1 → (i, j);  j ≥ n1 → (j − n1, i − n1 + 1).
/// - N even, k = N/2, an (N+1)×k array:   j < k → (i + 1, j);  j ≥ k → (j − k, i − k).
public struct RFPMatrix: Sendable {
    /// N.
    public let order: Int
    /// The N(N+1)/2 packed values.
    public var storage: [Double]

    /// N(N+1)/2, nil when it overflows.
    public static func count(order n: Int) -> Int? {
        guard n >= 0 else { return nil }
        let (p, o) = n.multipliedReportingOverflow(by: n + 1)
        return o ? nil : p / 2
    }

    /// Bytes of one packed N×N matrix (nil on overflow).
    public static func bytes(order n: Int) -> Int? { count(order: n).flatMap { MemoryBudget.product(8, $0) } }

    /// A zero matrix of order `n`.
    public init(order n: Int) {
        precondition(n >= 0, "negative order")
        order = n
        storage = [Double](repeating: 0, count: RFPMatrix.count(order: n)!)
    }

    /// Packs the lower triangle of a dense symmetric matrix.
    public init(_ dense: Matrix) {
        precondition(dense.isSquare, "RFP needs a square matrix")
        self.init(order: dense.rows)
        for j in 0..<order { for i in j..<order { storage[index(i, j)] = dense[i, j] } }
    }

    /// Position of A(i, j), i ≥ j, in `storage`.
    @inline(__always)
    public func index(_ i: Int, _ j: Int) -> Int {
        RFPMatrix.index(i, j, order: order)
    }

    @inline(__always)
    static func index(_ i: Int, _ j: Int, order n: Int) -> Int {
        if n & 1 == 1 {
            let n1 = (n + 1) / 2
            return j < n1 ? i + j * n : (j - n1) + (i - n1 + 1) * n
        } else {
            let k = n / 2
            return j < k ? (i + 1) + j * (n + 1) : (j - k) + (i - k) * (n + 1)
        }
    }

    /// A(i, j) for any i, j (symmetric).
    public subscript(i: Int, j: Int) -> Double {
        get { i >= j ? storage[index(i, j)] : storage[index(j, i)] }
        set { if i >= j { storage[index(i, j)] = newValue } else { storage[index(j, i)] = newValue } }
    }

    /// The dense symmetric matrix (tests and small N).
    public func dense() -> Matrix {
        var m = Matrix(rows: order, columns: order)
        for j in 0..<order { for i in j..<order { let v = storage[index(i, j)]; m[i, j] = v; m[j, i] = v } }
        return m
    }

    /// Stores the block A(r0..<r0+b.rows, c0..<c0+b.columns) = b, keeping only its entries on or
    /// below the diagonal (a block above the diagonal writes nothing).
    public mutating func setBlock(rowStart r0: Int, columnStart c0: Int, _ b: Matrix) {
        precondition(r0 >= 0 && c0 >= 0 && r0 + b.rows <= order && c0 + b.columns <= order, "block outside the matrix")
        let n = order, cols = b.columns, rows = b.rows
        // Columns j < split are stored contiguously in i (column-major), the others contiguously
        // in j; copy 64×64 sub-blocks in the destination's order so that writes into the big
        // array are sequential (row-order writes to the left part would stride by N and miss
        // the TLB on every element).
        let split = n & 1 == 1 ? (n + 1) / 2 : n / 2
        let sb = 64
        storage.withUnsafeMutableBufferPointer { ps in
            b.storage.withUnsafeBufferPointer { pb in
                var bi0 = 0
                while bi0 < rows {
                    let bi1 = Swift.min(rows, bi0 + sb)
                    var bj0 = 0
                    while bj0 < cols {
                        let bj1 = Swift.min(cols, bj0 + sb)
                        for bj in bj0..<bj1 {
                            let j = c0 + bj
                            if j >= split { break }
                            // Column j, rows i ≥ j, contiguous in i.
                            let iStart = Swift.max(bi0, j - r0)
                            if iStart >= bi1 { continue }
                            var d = RFPMatrix.index(r0 + iStart, j, order: n)
                            for bi in iStart..<bi1 {
                                ps[d] = pb[bi * cols + bj]
                                d += 1
                            }
                        }
                        for bi in bi0..<bi1 {
                            let i = r0 + bi
                            let jLo = Swift.max(c0 + bj0, split), jHi = Swift.min(c0 + bj1, i + 1)
                            if jLo >= jHi { continue }
                            // Row i, columns split ≤ j ≤ i, contiguous in j.
                            var d = RFPMatrix.index(i, jLo, order: n)
                            for j in jLo..<jHi {
                                ps[d] = pb[bi * cols + (j - c0)]
                                d += 1
                            }
                        }
                        bj0 = bj1
                    }
                    bi0 = bi1
                }
            }
        }
    }

    /// The dense block A(rows, columns) (both triangles read through symmetry).
    public func block(rows: Range<Int>, columns: Range<Int>) -> Matrix {
        var m = RecursionSpec.uninitialized(rows.count, columns.count)
        let n = order, nc = columns.count
        storage.withUnsafeBufferPointer { ps in
            m.storage.withUnsafeMutableBufferPointer { pm in
                for (bi, i) in rows.enumerated() {
                    for (bj, j) in columns.enumerated() {
                        pm[bi * nc + bj] = i >= j ? ps[RFPMatrix.index(i, j, order: n)] : ps[RFPMatrix.index(j, i, order: n)]
                    }
                }
            }
        }
        return m
    }

    /// The diagonal A(i, i).
    public var diagonal: [Double] { (0..<order).map { storage[index($0, $0)] } }

    /// A ← A + v·I.
    public mutating func addToDiagonal(_ v: Double) {
        for i in 0..<order { storage[index(i, i)] += v }
    }

    /// A·B for an N×k matrix B, one dgemm per tile of A (tiles are unpacked, `tile` rows at a
    /// time), so no dense copy of A is made.
    public func multiply(_ b: Matrix, tile: Int = 256) -> Matrix {
        precondition(b.rows == order, "multiply: B has \(b.rows) rows, A has order \(order)")
        var out = Matrix(rows: order, columns: b.columns)
        guard order > 0 && b.columns > 0 else { return out }
        var i0 = 0
        while i0 < order {
            let i1 = Swift.min(order, i0 + tile)
            // Row block I against every column: the lower part from storage, the rest by symmetry.
            let a = block(rows: i0..<i1, columns: 0..<order)
            var part = Matrix(rows: i1 - i0, columns: b.columns)
            Matrix.gemm(a, b, into: &part)
            for r in 0..<part.rows { for c in 0..<b.columns { out[i0 + r, c] = part[r, c] } }
            i0 = i1
        }
        return out
    }
}

extension RFPMatrix {
    /// LAPACK's own packing of a dense symmetric matrix (LAPACKE_dtrttf), to check `index`.
    static func lapackPacked(_ dense: Matrix) -> [Double] {
        let n = dense.rows
        var arf = [Double](repeating: .nan, count: RFPMatrix.count(order: n)!)
        guard n > 0 else { return arf }
        let info = dense.storage.withUnsafeBufferPointer { pa in
            arf.withUnsafeMutableBufferPointer { pr in
                LAPACKE_dtrttf(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "L")), Int32(n),
                               pa.baseAddress, Int32(n), pr.baseAddress)
            }
        }
        precondition(info == 0, "dtrttf failed: \(info)")
        return arf
    }
}

/// How the jitter is raised when Cholesky fails: jitter_k = start·factor^k × (mean diagonal),
/// k = 0…attempts−1, after a first attempt without jitter (Lee et al. 2018 start at 1e−10 and
/// multiply by 10).
public struct JitterSchedule: Sendable, Equatable {
    public var start: Double
    public var factor: Double
    public var attempts: Int
    /// The jitters are absolute values, not multiples of the mean diagonal.
    public var absolute: Bool
    /// Try once without jitter before the schedule.
    public var unjitteredFirst: Bool

    public init(start: Double = 1e-10, factor: Double = 10, attempts: Int = 9, absolute: Bool = false,
                unjitteredFirst: Bool = true) {
        self.start = start
        self.factor = factor
        self.attempts = attempts
        self.absolute = absolute
        self.unjitteredFirst = unjitteredFirst
    }

    /// Lee et al. 2018's GP regression (brain-research/nngp `gpr.py`): an absolute 1e−10 on the
    /// diagonal from the first attempt, ×10 while it is below 1 (1e−10 … 1e−1); they give up
    /// past 0.2, i.e. after 1e−1.
    public static let lee2018 = JitterSchedule(start: 1e-10, factor: 10, attempts: 10, absolute: true,
                                               unjitteredFirst: false)

    /// The schedule's steps before scaling (relative, or absolute when `absolute`).
    public var relativeSteps: [Double] { (0..<attempts).map { start * Foundation.pow(factor, Double($0)) } }

    /// The absolute jitters tried, in order, for a matrix with this mean diagonal (a leading 0
    /// is the unjittered attempt).
    public func jitters(meanDiagonal: Double) -> [Double] {
        (unjitteredFirst ? [0] : []) + relativeSteps.map { absolute ? $0 : $0 * meanDiagonal }
    }
}

/// Errors of the RFP factorisation.
public enum RFPError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Cholesky failed (or gave a numerically singular factor) at every jitter tried.
    case notPositiveDefinite(order: Int, leadingMinor: Int, lastJitter: Double)

    public var description: String {
        switch self {
        case .notPositiveDefinite(let n, let minor, let j):
            let tried = j > 0 ? " even with a jitter of \(j) on the diagonal" : ""
            return "the \(n)×\(n) train kernel (plus ridge) is not numerically positive definite\(tried) "
                + "(Cholesky fails at leading minor \(minor)); add a ridge (--diag-reg) or allow a jitter (--jitter auto), or remove duplicated inputs"
        }
    }
}

/// A Cholesky factorisation A = L·Lᵀ kept in RFP format (LAPACK dpftrf), and solves with it
/// (dpftrs). A factor whose smallest pivot L_ii² is at most N·ε·max A_ii is treated as a
/// failure: the matrix is numerically singular (a duplicated input) and its solve would
/// amplify rounding.
public struct RFPCholesky: Sendable {
    public let order: Int
    let factor: [Double]
    /// The absolute jitter that was added to the diagonal (0: none was needed).
    public let jitter: Double
    /// Number of factorisations attempted.
    public let attempts: Int

    /// Factorises `a` once (no jitter). Throws `.notPositiveDefinite` on failure,
    /// `LinearAlgebraError.nonFinite` for a matrix with a NaN or infinite entry.
    public init(_ a: consuming RFPMatrix) throws {
        let n = a.order
        var s = a.storage
        let minor = try RFPCholesky.factorInPlace(&s, order: n)
        guard minor == 0 else { throw RFPError.notPositiveDefinite(order: n, leadingMinor: minor, lastJitter: 0) }
        order = n
        factor = s
        jitter = 0
        attempts = 1
    }

    /// Builds the matrix with `build`, factorises it, and on failure rebuilds it with the next
    /// jitter of `schedule` (relative to the mean diagonal of the built matrix) until Cholesky
    /// succeeds. Rebuilding rather than copying keeps the peak at one packed matrix.
    ///
    /// - Parameters:
    ///   - build: returns the matrix (every call the same values).
    ///   - schedule: nil means a single attempt without jitter.
    public static func factorize(schedule: JitterSchedule?, build: () throws -> RFPMatrix) throws -> RFPCholesky {
        var a = try build()
        let n = a.order
        let meanDiagonal = n == 0 ? 0 : a.diagonal.reduce(0, +) / Double(n)
        var steps = schedule?.jitters(meanDiagonal: meanDiagonal) ?? [0]
        var attempt = 0
        var lastMinor = 0
        while !steps.isEmpty {
            let j = steps.removeFirst()
            attempt += 1
            if attempt > 1 {
                a = RFPMatrix(order: 0)   // free the failed factor before rebuilding
                a = try build()
            }
            if j != 0 { a.addToDiagonal(j) }
            let minor = try factorInPlace(&a.storage, order: n)   // a non-finite kernel ends the schedule
            if minor == 0 { return RFPCholesky(order: n, factor: a.storage, jitter: j, attempts: attempt) }
            lastMinor = minor
            if steps.isEmpty {
                throw RFPError.notPositiveDefinite(order: n, leadingMinor: lastMinor, lastJitter: j)
            }
        }
        throw RFPError.notPositiveDefinite(order: n, leadingMinor: lastMinor, lastJitter: 0)
    }

    init(order: Int, factor: [Double], jitter: Double, attempts: Int) {
        self.order = order
        self.factor = factor
        self.jitter = jitter
        self.attempts = attempts
    }

    /// A Cholesky factor of an order-N matrix whose largest diagonal entry is `maxDiagonal` counts
    /// as numerically singular when a pivot L_ii² is at most N·ε·maxDiagonal.
    public static func singularityThreshold(order n: Int, maxDiagonal: Double) -> Double {
        Double(n) * Double.ulpOfOne * maxDiagonal
    }

    /// dpftrf in place; 0 on success, else the failing leading minor (N + 1 for a factor that
    /// is numerically singular). Throws `LinearAlgebraError.nonFinite` for a matrix with a NaN or
    /// infinite entry: no jitter can mend that, so the schedule is not tried.
    static func factorInPlace(_ s: inout [Double], order n: Int) throws -> Int {
        guard n > 0 else { return 0 }
        var maxDiagonal = 0.0
        for i in 0..<n { maxDiagonal = Swift.max(maxDiagonal, s[RFPMatrix.index(i, i, order: n)]) }
        guard s.withUnsafeBufferPointer({ Parallel.allFinite($0) }) else {
            throw LinearAlgebraError.nonFinite("train kernel (plus ridge)")
        }
        // Checked finite just above, so LAPACKE's second NaN scan is skipped (`_work`).
        let info = Parallel.withLAPACKThreads(order: n) {
            s.withUnsafeMutableBufferPointer { p in
                LAPACKE_dpftrf_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "L")), Int32(n), p.baseAddress)
            }
        }
        precondition(info >= 0, "dpftrf: illegal argument \(-info)")
        if info > 0 { return Int(info) }
        let threshold = singularityThreshold(order: n, maxDiagonal: maxDiagonal)
        for i in 0..<n {
            let l = s[RFPMatrix.index(i, i, order: n)]
            if l * l <= threshold { return i + 1 }
        }
        return 0
    }

    /// Solves A·X = B (B is N×k, row-major) with dpftrs; B is transposed in and out.
    public func solve(_ b: Matrix) throws -> Matrix {
        guard b.rows == order else {
            throw LinearAlgebraError.dimensionMismatch("right-hand side has \(b.rows) rows, matrix has order \(order)")
        }
        if order == 0 || b.columns == 0 { return b }
        // The factor is finite (checked before dpftrf): LAPACKE's NaN scans are skipped (`_work`),
        // B is checked here instead.
        guard b.storage.allSatisfy({ $0.isFinite }) else { throw LinearAlgebraError.nonFinite("right-hand side") }
        var bt = b.transposed.storage
        let info = Parallel.withLAPACKThreads(order: order) {
            factor.withUnsafeBufferPointer { pf in
                bt.withUnsafeMutableBufferPointer { pb in
                    LAPACKE_dpftrs_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "L")), Int32(order),
                                   Int32(b.columns), pf.baseAddress, pb.baseAddress, Int32(order))
                }
            }
        }
        if info < 0 { throw LinearAlgebraError.illegalArgument(routine: "dpftrs", index: Int(-info)) }
        return Matrix(rows: b.columns, columns: order, storage: bt).transposed
    }

    /// The smallest diagonal entry of L squared (a lower bound-like indicator of λmin).
    public var smallestPivot: Double {
        (0..<order).reduce(Double.infinity) { m, i in let l = factor[RFPMatrix.index(i, i, order: order)]; return Swift.min(m, l * l) }
    }
}

extension AnalyticKernel {
    /// The train kernels Σ(X, X) and/or Θ(X, X) built tile by tile straight into RFP: diagonal
    /// tiles by the symmetric evaluation (exact diagonals), off-diagonal tiles by the cross
    /// evaluation. Peak memory: the packed outputs plus four tile×tile blocks.
    ///
    /// - Parameters:
    ///   - progress: called with the fraction of tiles done.
    public func packedTrainKernels(_ x: Matrix, nngp: Bool, ntk: Bool, tile: Int = 1024,
                                   progress: ((Double) -> Void)? = nil) -> (nngp: RFPMatrix?, ntk: RFPMatrix?) {
        let n = x.rows
        var s = nngp ? RFPMatrix(order: n) : nil
        var t = ntk ? RFPMatrix(order: n) : nil
        guard nngp || ntk else { return (nil, nil) }
        let outputs: KernelOutputs = nngp && ntk ? .both : (nngp ? .nngp : .ntk)
        let blocks = (n + tile - 1) / tile
        let total = Double(blocks * (blocks + 1) / 2)
        var done = 0.0
        for bi in 0..<blocks {
            let i0 = bi * tile, i1 = Swift.min(n, i0 + tile)
            let xi = x.rows(i0..<i1)
            for bj in 0...bi {
                let j0 = bj * tile, j1 = Swift.min(n, j0 + tile)
                let xj: Matrix? = bi == bj ? nil : x.rows(j0..<j1)
                let k = self(xi, xj, outputs: outputs)          // only the kernels asked for
                if let a = k.nngp { s?.setBlock(rowStart: i0, columnStart: j0, a) }
                if let a = k.ntk { t?.setBlock(rowStart: i0, columnStart: j0, a) }
                done += 1
                progress?(done / total)
            }
        }
        return (s, t)
    }
}
