import Foundation
import NTKCore

/// Failures of the distributed solvers, with messages that suggest what to change. They match
/// `LinearAlgebraError.eigenNoConvergence` (from dsyevd) and `.nonFinite` on one machine; kept
/// separate so that `ntk-mpi`'s messages name ScaLAPACK's routine and the remedy.
public enum DistributedError: Error, CustomStringConvertible, Sendable {
    /// pdsyevd did not converge.
    case eigensolver(info: Int)
    /// The train kernel has a non-finite entry although the inputs are finite.
    case nonFiniteKernel

    public var description: String {
        switch self {
        case .eigensolver(let info):
            return "the eigendecomposition of the train kernel (pdsyevd) failed with INFO = \(info); add a ridge (--diag-reg) or use t = inf"
        case .nonFiniteKernel:
            return "the train kernel is not finite although the inputs are finite; scale the inputs down"
        }
    }
}

/// `KernelPredictor` (the mean and covariance of `ntk predict`) across MPI ranks with ScaLAPACK.
///
/// Every rank holds the inputs (broadcast; kernels never are). The N×N train kernel G (Θ or Σ,
/// plus the ridge) lives 2-D block-cyclic over the process grid in nb×nb blocks; each rank
/// evaluates only its own tiles of the analytic kernel (the lower triangle and the blocks that
/// straddle it; diagonals from the exact diagonal recursion, as in the packed path). t = ∞:
/// pdpotrf, with the same ridge, jitter schedule and singularity rule as `RFPCholesky`; finite t:
/// pdsyevd and the same spectral gains as `GradientFlow`. The coefficients G⁻¹Y (or
/// V·gain·Vᵀ·Y, N×O) are made whole on every rank, each rank multiplies its own tiles of
/// G(X, X*) by its rows of them, and one reduction onto rank 0 adds the partial means (and the
/// owned tiles of the covariance, built with pdgemm/pdsymm on block-cyclic N×M matrices).
public struct DistributedKernelPredictor: Sendable {
    /// Kernel, mode, time, loss, ridge and jitter (its `packed`, `tile` and `blockRows` are not used).
    public var configuration: KernelPredictor
    /// ScaLAPACK's block size nb.
    public var block: Int
    public let grid: ProcessGrid

    /// Kernel entries evaluated per chunk of local columns (two such matrices, Σ and Θ, live at once).
    static let chunkEntries = 1 << 21

    public init(_ configuration: KernelPredictor, block: Int, grid: ProcessGrid) {
        precondition(block >= 1, "block size must be positive")
        self.configuration = configuration
        self.block = block
        self.grid = grid
    }

    /// What the prediction gave and cost: `KernelPredictor`'s result (mean and covariance on
    /// rank 0, empty matrices elsewhere; method "scalapack-cholesky" or
    /// "scalapack-eigendecomposition"; the largest peak resident memory of any rank) and the wall
    /// time of each phase on rank 0 (the ranks synchronise between phases).
    public struct Result: Sendable {
        public var prediction: KernelPredictor.Result
        public var phaseSeconds: [(phase: String, seconds: Double)]
    }

    // MARK: memory

    /// Bytes one rank allocates at most (the rank at grid position (0, 0), which owns the most):
    /// with lr × lc its share of an N×N matrix (≈ N²/P), lr × lm of an N×M one and lm' × lm of
    /// the M×M covariance,
    ///
    ///     8·[ k·lr·lc  +  c·lr·lm + lm'·lm + M² (covariance)  +  (N + M)·d + 2·N·O + M·O  + tiles ]
    ///
    /// k = 1 (t = ∞), 2 (t = ∞, NTK covariance: Σ(X, X) too), 4 (finite t: G, the eigenvectors and
    /// pdsyevd's workspace ≈ 2·lr·lc), 5 (finite t, NTK covariance); c = 2 (NNGP) or 3 (NTK) at
    /// t = ∞, 3 or 4 at finite t; the M² is the reduction buffer every rank holds. nil on overflow.
    public static func memoryEstimate(train n: Int, test m: Int, outputs o: Int, dimension d: Int, depth: Int,
                                      covariance: Bool, mode: PredictorKernel, finite: Bool, block nb: Int,
                                      gridRows pr: Int, gridColumns pc: Int) -> Int? {
        let p = MemoryBudget.product, s = MemoryBudget.sum
        let count = { (len: Int, procs: Int) in BlockCyclicDimension.localCount(length: len, block: nb, proc: 0, procs: procs) }
        let lr = count(n, pr), lc = count(n, pc), lo = count(o, pc), lm = count(m, pc), lmr = count(m, pr)
        let ntkCov = covariance && mode == .ntk
        guard let local = p(lr, lc) else { return nil }
        let train: Int?
        if finite {
            train = s(p(ntkCov ? 3 : 2, local),
                      ScaLAPACK.syevdWorkspace(order: n, localRows: lr, localColumns: lc, block: nb, gridColumns: pc), n)
        } else {
            train = p(ntkCov ? 2 : 1, local)
        }
        let rhs = p(finite ? 3 : 1, lr, lo)
        let cov: Int? = covariance ? s(p((ntkCov ? 3 : 2) + (finite ? 1 : 0), lr, lm), p(lmr, lm), p(m, m)) : 0
        let inputs = s(p(n + m, d), p(2, n, o), p(m, o), p(lr + lc + lm + lmr, d))
        let widest = Swift.max(lr, lmr, 1)
        let tiles = s(p(2, Swift.max(chunkEntries, 64 * widest)), p(widest, d), p(4, depth + 1, 64 + widest, 4))
        return s(train, rhs, cov, inputs, tiles).flatMap { p(8, $0) }
    }

    /// Why this size cannot run with ScaLAPACK's 32-bit integers (Debian's build), or nil: a
    /// rank's local array must hold fewer than 2³¹ elements, and pdsyevd's workspace too.
    public static func integerLimitProblem(train n: Int, test m: Int, finite: Bool, block nb: Int,
                                           gridRows pr: Int, gridColumns pc: Int) -> String? {
        let count = { (len: Int, procs: Int) in BlockCyclicDimension.localCount(length: len, block: nb, proc: 0, procs: procs) }
        let lr = count(n, pr), lc = count(n, pc)
        let limit = Int(Int32.max)
        let elements = lr.multipliedReportingOverflow(by: lc)
        let work = finite ? ScaLAPACK.syevdWorkspace(order: n, localRows: lr, localColumns: lc, block: nb, gridColumns: pc) : 0
        if elements.overflow || elements.partialValue > limit || (work ?? Int.max) > limit || n > limit || m > limit {
            return "a rank's share of the \(n)×\(n) train kernel (\(lr)×\(lc) on a \(pr)×\(pc) grid\(finite ? ", plus pdsyevd's workspace" : "")) "
                + "exceeds the 2^31−1 elements that ScaLAPACK's 32-bit integers can index; use more ranks"
        }
        return nil
    }

    // MARK: prediction

    /// Collective: every rank calls with the same inputs. Errors are the same on every rank
    /// (every decision is taken on reduced values): `RFPError.notPositiveDefinite` at t = ∞
    /// without enough ridge or jitter, `DistributedError` otherwise.
    public func predict(xTrain x: Matrix, yTrain y: Matrix, xTest xt: Matrix, covariance: Bool,
                        progress: KernelPredictor.Progress? = nil) throws -> Result {
        precondition(x.rows == y.rows && x.columns == xt.columns, "shapes checked by the caller")
        let start = Date()
        var phaseStart = start
        var phases = [(phase: String, seconds: Double)]()
        func endPhase(_ name: String) {
            MPI.barrier()
            let now = Date()
            phases.append((name, now.timeIntervalSince(phaseStart)))
            phaseStart = now
        }
        let c = configuration
        let n = x.rows, m = xt.rows, o = y.columns, nb = block
        let ntkCovariance = covariance && c.mode == .ntk
        let trainRows = BlockCyclicDimension(length: n, block: nb, procs: grid.rows, proc: grid.myRow)
        let trainColumns = BlockCyclicDimension(length: n, block: nb, procs: grid.columns, proc: grid.myColumn)
        let testColumns = BlockCyclicDimension(length: m, block: nb, procs: grid.columns, proc: grid.myColumn)
        let testRows = BlockCyclicDimension(length: m, block: nb, procs: grid.rows, proc: grid.myRow)
        let xR = x.rows(at: trainRows.globalIndices)
        let diagonal = c.kernel.diagonal(x)
        let gDiagonal = c.mode == .ntk ? diagonal.ntk : diagonal.nngp
        let ridge = c.ridge(forDiagonal: gDiagonal)
        // G always; Σ as well only for the NTK covariance.
        let gOnly: KernelOutputs = c.mode == .nngp ? .nngp : .ntk
        let needed: KernelOutputs = ntkCovariance ? .both : gOnly
        let trainColumnInputs = x.rows(at: trainColumns.globalIndices)

        // G (and Σ(X, X) with `sigma`, for the NTK covariance), this rank's tiles only.
        func buildTrain(sigma: Bool) -> (g: BlockCyclicMatrix, s: BlockCyclicMatrix?) {
            var g = BlockCyclicMatrix(rows: n, columns: n, block: nb, grid: grid)
            var s = sigma ? BlockCyclicMatrix(rows: n, columns: n, block: nb, grid: grid) : nil
            let trainTiles = TileSource(kernel: c.kernel, rowInputs: xR, columnInputs: trainColumnInputs, rowLayout: trainRows,
                                        columnLayout: trainColumns, lowerOnly: true, outputs: sigma ? .both : gOnly)
            trainTiles.forEachChunk(progress: { progress?("train kernel", $0) }) { c0, r0, k in
                g.store((c.mode == .ntk ? k.ntk : k.nngp)!, firstColumn: c0, firstRow: r0)
                if s != nil { s!.store(k.nngp!, firstColumn: c0, firstRow: r0) }
            }
            g.setDiagonal(gDiagonal)
            s?.setDiagonal(diagonal.nngp)
            return (g, s)
        }
        progress?("train kernel", 0)
        var (g, sigmaTrain) = buildTrain(sigma: ntkCovariance)
        endPhase("train kernel")

        // Factorise: Cholesky (t = ∞) or eigendecomposition (finite t).
        var jitter = 0.0
        var eigen: (values: [Double], vectors: BlockCyclicMatrix)?
        if c.time == .infinity {
            progress?("Cholesky (pdpotrf)", 0)
            jitter = try factorCholesky(&g, rebuild: { buildTrain(sigma: false).g }, diagonal: gDiagonal, ridge: ridge)
        } else {
            progress?("eigendecomposition (pdsyevd)", 0)
            if ridge != 0 { g.addToDiagonal(ridge) }
            guard MPI.min(g.local.allSatisfy { $0.isFinite } ? 1 : 0) == 1 else { throw DistributedError.nonFiniteKernel }
            let e = ScaLAPACK.syevd(&g, grid: grid)
            let info = MPI.max(e.info)
            guard info == 0 else { throw DistributedError.eigensolver(info: info) }
            g.free()
            eigen = (e.values, e.vectors)
        }
        endPhase(c.time == .infinity ? "Cholesky (pdpotrf)" : "eigendecomposition (pdsyevd)")

        // f(G)·B in place: G⁻¹B from the Cholesky factor, or V·diag(gain(t))·Vᵀ·B.
        let rate = c.rateScale(train: n, outputs: o)
        func apply(_ b: inout BlockCyclicMatrix, time t: Double) {
            guard let eigen else { return ScaLAPACK.potrs(g, &b) }
            let gain = GradientFlow.flowFactors(eigenvalues: eigen.values, rateScale: rate, time: t).gain
            var w = BlockCyclicMatrix(rows: n, columns: b.columns, block: nb, grid: grid)
            ScaLAPACK.gemm("T", "N", alpha: 1, eigen.vectors, b, beta: 0, into: &w)
            w.scaleRows(gain)
            ScaLAPACK.gemm("N", "N", alpha: 1, eigen.vectors, w, beta: 0, into: &b)
        }
        var yd = BlockCyclicMatrix(rows: n, columns: o, block: nb, grid: grid)
        yd.fill(from: y)
        apply(&yd, time: c.time)
        let coefficients = yd.replicated().rows(at: trainRows.globalIndices)   // this rank's rows of f(G)Y
        yd.free()

        // Partial means from this rank's tiles of G(X, X*); the same tiles kept for the covariance.
        var reduction = [Double](repeating: 0, count: m * o + (covariance ? m * m : 0))
        var bTrainTest = covariance ? BlockCyclicMatrix(rows: n, columns: m, block: nb, grid: grid) : nil
        var sigmaTrainTest = ntkCovariance ? BlockCyclicMatrix(rows: n, columns: m, block: nb, grid: grid) : nil
        let xtC = xt.rows(at: testColumns.globalIndices)
        TileSource(kernel: c.kernel, rowInputs: xR, columnInputs: xtC, rowLayout: trainRows, columnLayout: testColumns,
                   lowerOnly: false, outputs: needed).forEachChunk(progress: { progress?("test predictions", $0) }) { c0, _, k in
            let gk = (c.mode == .ntk ? k.ntk : k.nngp)!                // test chunk × this rank's train rows
            let part = Matrix.product(gk, coefficients)
            for j in 0..<part.rows {
                let row = testColumns.global(c0 + j) * o
                for q in 0..<o { reduction[row + q] += part[j, q] }
            }
            bTrainTest?.store(gk, firstColumn: c0, firstRow: 0)
            if sigmaTrainTest != nil { sigmaTrainTest!.store(k.nngp!, firstColumn: c0, firstRow: 0) }
        }
        endPhase("test predictions")

        if covariance, var b = bTrainTest {
            progress?("covariance", 0)
            bTrainTest = nil
            var cov = BlockCyclicMatrix(rows: m, columns: m, block: nb, grid: grid)      // Σ(X*, X*) to start
            TileSource(kernel: c.kernel, rowInputs: xt.rows(at: testRows.globalIndices), columnInputs: xtC,
                       rowLayout: testRows, columnLayout: testColumns, lowerOnly: false, outputs: .nngp).forEachChunk(progress: nil) { c0, _, k in
                cov.store(k.nngp!, firstColumn: c0, firstRow: 0)
            }
            cov.setDiagonal(c.kernel.diagonal(xt).nngp)
            switch c.mode {
            case .nngp:
                // Σ** − Σ*X Σ⁻¹(I − e^{−2aΣt}) ΣX*
                var z = b
                apply(&z, time: 2 * c.time)
                ScaLAPACK.gemm("T", "N", alpha: -1, b, z, beta: 1, into: &cov)
            case .ntk:
                // Σ** + Zᵀ Σ(X,X) Z − Σ*X Z − Zᵀ ΣX*,  Z = Θ⁻¹(I − e^{−aΘt}) ΘX*
                apply(&b, time: c.time)
                var sz = BlockCyclicMatrix(rows: n, columns: m, block: nb, grid: grid)
                ScaLAPACK.symm(sigmaTrain!, b, into: &sz)
                sigmaTrain = nil
                ScaLAPACK.gemm("T", "N", alpha: 1, b, sz, beta: 1, into: &cov)
                sz.free()
                ScaLAPACK.gemm("T", "N", alpha: -1, sigmaTrainTest!, b, beta: 1, into: &cov)
                ScaLAPACK.gemm("T", "N", alpha: -1, b, sigmaTrainTest!, beta: 1, into: &cov)
            }
            cov.accumulate(into: &reduction, offset: m * o)
            endPhase("covariance")
        }
        MPI.reduceSum(&reduction)
        let seconds = Date().timeIntervalSince(start)
        let peak = MPI.max(KernelPredictor.peakResidentBytes())
        var mean = Matrix(rows: 0, columns: 0), cov: Matrix?
        if MPI.rank == 0 {
            mean = Matrix(rows: m, columns: o, storage: Array(reduction[0..<(m * o)]))
            if covariance { cov = Matrix(rows: m, columns: m, storage: Array(reduction[(m * o)...])) }
        }
        return Result(prediction: KernelPredictor.Result(
                          mean: mean, covariance: cov, ridge: ridge, jitter: jitter,
                          method: eigen == nil ? "scalapack-cholesky" : "scalapack-eigendecomposition",
                          seconds: seconds, peakBytes: peak),
                      phaseSeconds: phases)
    }

    /// pdpotrf of G + ridge with `RFPCholesky.factorize`'s rules: on failure (or a pivot² ≤
    /// N·ε·max diagonal) G is rebuilt and retried with jitter 1e−10·10^k × mean diagonal when a
    /// schedule is set. Every decision uses values reduced over all ranks. Returns the jitter.
    func factorCholesky(_ g: inout BlockCyclicMatrix, rebuild: () -> BlockCyclicMatrix, diagonal: [Double],
                        ridge: Double) throws -> Double {
        let n = g.rows
        let withRidge = diagonal.map { $0 + ridge }
        let meanDiagonal = n == 0 ? 0 : withRidge.reduce(0, +) / Double(n)
        let steps = configuration.jitter?.jitters(meanDiagonal: meanDiagonal) ?? [0]
        var lastMinor = 0
        for (attempt, j) in steps.enumerated() {
            if attempt > 0 {
                g.free()    // the failed factor goes before the rebuild: one matrix at a time
                g = rebuild()
            }
            if ridge != 0 { g.addToDiagonal(ridge) }
            if j != 0 { g.addToDiagonal(j) }
            // A NaN or infinite entry on any rank: no jitter mends that (as RFPCholesky), and every
            // rank takes the same decision from the reduced flag.
            guard MPI.min(g.local.allSatisfy { $0.isFinite } ? 1 : 0) == 1 else {
                throw LinearAlgebraError.nonFinite("train kernel (plus ridge)")
            }
            let info = MPI.max(ScaLAPACK.potrf(&g))
            if info != 0 {
                lastMinor = info
                continue
            }
            let threshold = RFPCholesky.singularityThreshold(order: n, maxDiagonal: withRidge.map { $0 + j }.max() ?? 0)
            let singular = MPI.min(g.ownedDiagonal.first { $0.value * $0.value <= threshold }.map { $0.index + 1 } ?? Int.max)
            if singular != Int.max {
                lastMinor = singular
                continue
            }
            return j
        }
        throw RFPError.notPositiveDefinite(order: n, leadingMinor: lastMinor, lastJitter: steps.last ?? 0)
    }
}

/// This rank's tiles of a kernel matrix K(A, B) whose rows are indexed by A (`rowInputs`: the
/// inputs of the locally owned rows) and columns by B (`columnInputs`).
struct TileSource {
    let kernel: AnalyticKernel
    let rowInputs: Matrix
    let columnInputs: Matrix
    let rowLayout: BlockCyclicDimension
    let columnLayout: BlockCyclicDimension
    /// Only rows with global index ≥ the column's (the lower triangle of a symmetric matrix).
    let lowerOnly: Bool
    /// The kernels evaluated per chunk: Σ and Θ together cost two matrices, one alone one.
    let outputs: KernelOutputs

    /// Evaluates the owned tiles a chunk of local columns at a time as K(B chunk, A rows from
    /// firstRow): row j of the result is local column firstColumn + j from local row firstRow on,
    /// contiguous in the column-major local array. `body(firstColumn, firstRow, kernels)`, with
    /// the kernels not in `outputs` nil.
    func forEachChunk(progress: ((Double) -> Void)?, _ body: (Int, Int, (nngp: Matrix?, ntk: Matrix?)) -> Void) {
        let lr = rowLayout.localCount, lc = columnLayout.localCount
        guard lr > 0 && lc > 0 else {
            progress?(1)
            return
        }
        let width = Swift.max(64, DistributedKernelPredictor.chunkEntries / lr)
        var c0 = 0
        while c0 < lc {
            let c1 = Swift.min(lc, c0 + width)
            let r0 = lowerOnly ? rowLayout.firstLocal(atLeast: columnLayout.global(c0)) : 0
            if r0 < lr {
                body(c0, r0, kernel(columnInputs.rows(c0..<c1), r0 == 0 ? rowInputs : rowInputs.rows(r0..<lr), outputs: outputs))
            }
            progress?(Double(c1) / Double(lc))
            c0 = c1
        }
    }
}
