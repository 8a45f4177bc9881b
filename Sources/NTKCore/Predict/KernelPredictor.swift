import Foundation

/// Which infinite-width predictor: the NTK-GP of gradient descent on all layers (Lee et al.
/// 2019) or the NNGP of readout-only training (Θ := Σ; the Bayesian posterior at t = ∞).
public enum PredictorKernel: String, Sendable, CaseIterable {
    case ntk, nngp
}

/// How the diagonal regulariser is scaled.
public enum DiagonalRegularizerScale: Sendable, Equatable {
    /// r·tr(K)/N (neural-tangents' default, `diag_reg_absolute_scale=False`).
    case relative
    /// r itself.
    case absolute
}

/// The infinite-ensemble prediction of an infinite-width network trained by gradient descent on
/// the squared loss from f0 = 0 (the mean prediction of the GP at initialisation), as
/// neural-tangents' `gradient_descent_mse_ensemble` computes it:
///
/// ```
/// mean_t(x) = G(x,X)·G⁻¹(I − e^{−aGt})·Y                      G = Θ (ntk) or Σ (nngp)
/// cov_t  (ntk)  = Σ(x,x') + M Σ(X,X) M'ᵀ − M Σ(X,x') − M' Σ(X,x)   M = Θ(x,X)Θ⁻¹(I − e^{−aΘt})
/// cov_t  (nngp) = Σ(x,x') − Σ(x,X)Σ⁻¹(I − e^{−2aΣt})Σ(X,x')
/// ```
///
/// with G regularised by the diagonal ridge (Σ(X,X) in the NTK covariance is not, as in
/// neural-tangents) and a = η/N (mean loss), η (sum) or η/(N·O) (neural-tangents' loss).
/// t = ∞ uses the Cholesky factor of G in RFP format (half the memory of a dense matrix, built
/// tile by tile; test predictions in row blocks); finite t the eigendecomposition of G
/// (`GradientFlow`, dense).
public struct KernelPredictor: Sendable {
    public var kernel: AnalyticKernel
    public var mode: PredictorKernel
    /// Flow time in steps; the flow runs for learning rate × steps (`.infinity` allowed).
    public var time: Double
    public var learningRate: Double
    public var loss: LossNormalization
    /// Divide the rate by the number of outputs O as well (neural-tangents' 1/(2·N·O) loss).
    public var perOutput: Bool
    public var diagReg: Double
    public var diagRegScale: DiagonalRegularizerScale
    /// Jitter escalation for the t = ∞ Cholesky (nil: fail on a non-PD kernel).
    public var jitter: JitterSchedule?
    /// Rows of the test set per block, and tile size of the packed build.
    public var blockRows: Int
    public var tile: Int
    /// t = ∞: factorise in RFP format (true) or as a dense matrix (the reference path, 3·N² doubles).
    public var packed: Bool

    public init(kernel: AnalyticKernel, mode: PredictorKernel = .ntk, time: Double = .infinity,
                learningRate: Double = 1, loss: LossNormalization = .mean, perOutput: Bool = false,
                diagReg: Double = 0, diagRegScale: DiagonalRegularizerScale = .relative,
                jitter: JitterSchedule? = nil, blockRows: Int = 1024, tile: Int = 1024, packed: Bool = true) {
        self.kernel = kernel
        self.mode = mode
        self.time = time
        self.learningRate = learningRate
        self.loss = loss
        self.perOutput = perOutput
        self.diagReg = diagReg
        self.diagRegScale = diagRegScale
        self.jitter = jitter
        self.blockRows = blockRows
        self.tile = tile
        self.packed = packed
    }

    /// What a prediction cost and which numbers it used.
    public struct Result: Sendable {
        public var mean: Matrix
        public var covariance: Matrix?
        /// The absolute ridge added to G's diagonal (diagReg, scaled).
        public var ridge: Double
        /// The absolute jitter added on top of the ridge (t = ∞ only; 0 if none was needed).
        public var jitter: Double
        /// "cholesky-rfp" (t = ∞) or "eigendecomposition" (finite t).
        public var method: String
        public var seconds: Double
        /// Peak resident memory of the process (getrusage), bytes.
        public var peakBytes: Int

        public init(mean: Matrix, covariance: Matrix?, ridge: Double, jitter: Double, method: String,
                    seconds: Double, peakBytes: Int) {
            self.mean = mean
            self.covariance = covariance
            self.ridge = ridge
            self.jitter = jitter
            self.method = method
            self.seconds = seconds
            self.peakBytes = peakBytes
        }
    }

    /// Phases reported to `progress`: a name and the fraction done (0…1).
    public typealias Progress = (_ phase: String, _ fraction: Double) -> Void

    /// Bytes the prediction needs (the big arrays), nil on overflow.
    public func memoryEstimate(train n: Int, test m: Int, outputs o: Int, covariance: Bool) -> Int? {
        let p = MemoryBudget.product, s = MemoryBudget.sum
        let b = Swift.min(blockRows, Swift.max(m, 1))
        if time == .infinity && !packed {
            return s(p(8, 3, n, n), p(16, b, n), covariance ? s(p(24, m, m), p(32, m, n)) : 0, p(16, n, o), p(8, m, o))
        }
        if time == .infinity {
            let packed = RFPMatrix.bytes(order: n)
            let second = covariance && mode == .ntk ? packed : 0
            let tiles = p(32, tile, tile)
            let testBlock = p(16, b, n)
            let stored = covariance ? p(8, mode == .ntk ? 4 : 2, n, m) : 0
            let testTest = covariance ? p(24, m, m) : 0
            return s(packed, second, tiles, testBlock, stored, testTest, p(16, n, o), p(8, m, o))
        } else {
            // Both dense train kernels, the regularised copy, eigenvectors and dsyevd's 2N² workspace.
            let dense = p(8, 6, n, n)
            let test = p(16, b, n)
            let extra = covariance ? s(p(24, m, m), p(24, m, n)) : 0
            return s(dense, test, extra, p(8, n, o), p(8, m, o))
        }
    }

    /// Predicts at the test inputs.
    ///
    /// - Throws: `PredictionError.shapeMismatch`, `RFPError.notPositiveDefinite` (t = ∞ without
    ///   enough ridge or jitter), `PredictionError` from the eigendecomposition path.
    public func predict(xTrain: Matrix, yTrain: Matrix, xTest: Matrix, covariance: Bool,
                        progress: Progress? = nil) throws -> Result {
        guard xTrain.rows == yTrain.rows else {
            throw PredictionError.shapeMismatch("\(xTrain.rows) train inputs but \(yTrain.rows) train targets")
        }
        guard xTrain.columns == xTest.columns else {
            throw PredictionError.shapeMismatch("train inputs have \(xTrain.columns) columns, test inputs \(xTest.columns)")
        }
        let start = Date()
        var r = time == .infinity
            ? try predictInfinite(xTrain, yTrain, xTest, covariance, progress)
            : try predictFinite(xTrain, yTrain, xTest, covariance, progress)
        r.seconds = Date().timeIntervalSince(start)
        r.peakBytes = KernelPredictor.peakResidentBytes()
        return r
    }

    /// a in the rate matrix a·G: η/N (mean loss) or η (sum), divided by O for neural-tangents' loss.
    public func rateScale(train n: Int, outputs o: Int) -> Double {
        GradientFlow.rateScale(learningRate: learningRate / (perOutput ? Double(Swift.max(o, 1)) : 1), loss: loss, trainSize: n)
    }

    /// The absolute ridge for a train kernel with diagonal `d`: diagReg, times the mean diagonal
    /// when the scale is relative.
    public func ridge(forDiagonal d: [Double]) -> Double {
        guard diagReg != 0 else { return 0 }
        switch diagRegScale {
        case .absolute: return diagReg
        case .relative: return diagReg * (d.isEmpty ? 0 : d.reduce(0, +) / Double(d.count))
        }
    }

    func pick(_ k: Kernel) -> Matrix { mode == .ntk ? k.ntk : k.nngp }

    /// The test–train block the predictions need: G (Θ or Σ), and Σ as well for the NTK
    /// covariance. Only what is needed is computed: one block instead of two otherwise.
    func testTrainBlock(_ xb: Matrix, _ x: Matrix, covariance: Bool) -> (g: Matrix, nngp: Matrix?) {
        let both = mode == .ntk && covariance
        let k = kernel(xb, x, outputs: both ? .both : (mode == .ntk ? .ntk : .nngp))
        return mode == .ntk ? (k.ntk!, k.nngp) : (k.nngp!, nil)
    }

    // MARK: t = ∞: Cholesky in RFP format.

    func predictInfinite(_ x: Matrix, _ y: Matrix, _ xt: Matrix, _ covariance: Bool,
                         _ progress: Progress?) throws -> Result {
        let needKTrain = mode == .ntk && covariance
        let n = x.rows
        let flops = Double(n) * Double(n) * Double(n) / 3
        let cholPhase = "Cholesky of the \(packed ? "packed" : "dense") \(n)×\(n) kernel"
            + String(format: " (%.2g flops, ≈ %.0f s at 100 GFLOP/s)", flops, flops / 1e11)
        let ridge: Double
        let chol: (solve: (Matrix) throws -> Matrix, jitter: Double)
        let multiplyK: ((Matrix) -> Matrix)?
        if packed {
            let f = try packedCholesky(x, keepNNGP: needKTrain, phase: cholPhase, progress: progress)
            ridge = f.ridge
            chol = (f.cholesky.solve, f.cholesky.jitter)
            multiplyK = f.nngp.map { k in { k.multiply($0) } }
        } else {
            // The dense reference path: both N×N kernels and a dense dpotrf copy (3·N² doubles).
            progress?("train kernel", 0)
            let kXX = kernel(x)
            var g = pick(kXX)
            ridge = self.ridge(forDiagonal: g.diagonal)
            if ridge != 0 { g.addToDiagonal(ridge) }
            progress?(cholPhase, 0)
            let f = try KernelPredictor.denseCholesky(g, schedule: jitter)
            chol = (f.factor.solve, f.jitter)
            multiplyK = needKTrain ? { Matrix.product(kXX.nngp, $0) } : nil
        }
        progress?(cholPhase, 1)
        let alpha = try chol.solve(y)
        // Test predictions in row blocks; the test–train blocks are kept only for the covariance.
        let m = xt.rows
        var mean = Matrix(rows: m, columns: y.columns)
        var gTD = covariance ? Matrix(rows: m, columns: x.rows) : Matrix(rows: 0, columns: 0)
        var kTD = covariance && mode == .ntk ? Matrix(rows: m, columns: x.rows) : Matrix(rows: 0, columns: 0)
        var i0 = 0
        while i0 < m {
            let i1 = Swift.min(m, i0 + blockRows)
            let (gb, sb) = testTrainBlock(xt.rows(i0..<i1), x, covariance: covariance)
            var part = Matrix(rows: i1 - i0, columns: y.columns)
            Matrix.gemm(gb, alpha, into: &part)
            mean.storage.replaceSubrange((i0 * y.columns)..<(i1 * y.columns), with: part.storage)
            if covariance {
                gTD.storage.replaceSubrange((i0 * x.rows)..<(i1 * x.rows), with: gb.storage)
                if let sb { kTD.storage.replaceSubrange((i0 * x.rows)..<(i1 * x.rows), with: sb.storage) }
            }
            progress?("test predictions", Double(i1) / Double(m))
            i0 = i1
        }
        var cov: Matrix?
        if covariance {
            let kTT = kernel.nngp(xt)
            let z = try chol.solve(gTD.transposed)             // G⁻¹ G(X, x*), N×M
            switch mode {
            case .nngp:
                var c = kTT
                Matrix.gemm(gTD, z, alpha: -1, beta: 1, into: &c)   // Σ** − Σ*X Σ⁻¹ ΣX*
                cov = c
            case .ntk:
                let kz = multiplyK!(z)                          // Σ(X,X) Z
                var c = kTT
                Matrix.gemm(z, kz, transA: .transpose, beta: 1, into: &c)        // + Zᵀ Σ Z
                let cross = Matrix.product(kTD, z)                                // Σ*X Θ⁻¹ ΘX* = (Zᵀ ΣX*)ᵀ
                c = c - cross - cross.transposed
                cov = c
            }
        }
        return Result(mean: mean, covariance: cov, ridge: ridge, jitter: chol.jitter,
                      method: packed ? "cholesky-rfp" : "cholesky-dense", seconds: 0, peakBytes: 0)
    }

    /// Builds G (Θ or Σ, plus the ridge) tile by tile into RFP and factorises it with the jitter
    /// schedule (a failed attempt rebuilds G rather than keeping a copy). With `keepNNGP` the
    /// unregularised Σ(X, X) of the same build is returned as well (the NTK covariance needs it).
    func packedCholesky(_ x: Matrix, keepNNGP: Bool, phase: String,
                        progress: Progress?) throws -> (cholesky: RFPCholesky, ridge: Double, nngp: RFPMatrix?) {
        progress?("train kernel", 0)
        var built = kernel.packedTrainKernels(x, nngp: mode == .nngp || keepNNGP, ntk: mode == .ntk,
                                              tile: tile) { progress?("train kernel", $0) }
        // G is factorised; K = Σ(X, X) (unregularised) is kept only for the NTK covariance.
        var first: RFPMatrix? = mode == .ntk ? built.ntk : built.nngp
        let kTrain: RFPMatrix? = keepNNGP && mode == .ntk ? built.nngp : nil
        built = (nil, nil)        // one reference per buffer, so the factorisation does not copy
        let ridge = self.ridge(forDiagonal: first!.diagonal)
        let tileSize = tile, kern = kernel, mode = self.mode
        progress?(phase, 0)
        let f = try RFPCholesky.factorize(schedule: jitter) {
            var a = RFPMatrix(order: 0)
            if first != nil {
                swap(&a, &first!)
                first = nil
            } else {
                let k = kern.packedTrainKernels(x, nngp: mode == .nngp, ntk: mode == .ntk, tile: tileSize)
                a = (mode == .ntk ? k.ntk : k.nngp)!
            }
            if ridge != 0 { a.addToDiagonal(ridge) }
            return a
        }
        return (f, ridge, kTrain)
    }

    /// dpotrf of a dense matrix with the same jitter schedule and singularity rule as the packed
    /// path (pivot² ≤ N·ε·max diagonal counts as a failure).
    static func denseCholesky(_ g: Matrix, schedule: JitterSchedule?) throws -> (factor: Cholesky, jitter: Double) {
        let n = g.rows
        let diag = g.diagonal
        let meanDiagonal = n == 0 ? 0 : diag.reduce(0, +) / Double(n)
        let maxDiagonal = diag.max() ?? 0
        var lastMinor = 0
        let steps = schedule?.jitters(meanDiagonal: meanDiagonal) ?? [0]
        for j in steps {
            var a = g
            if j != 0 { a.addToDiagonal(j) }
            do {
                let f = try Cholesky(a)
                let threshold = RFPCholesky.singularityThreshold(order: n, maxDiagonal: maxDiagonal + j)
                if let i = (0..<n).first(where: { f.factor[$0 * n + $0] * f.factor[$0 * n + $0] <= threshold }) {
                    lastMinor = i + 1
                    continue
                }
                return (f, j)
            } catch LinearAlgebraError.notPositiveDefinite(let minor) {
                lastMinor = minor
            }
        }
        throw RFPError.notPositiveDefinite(order: n, leadingMinor: lastMinor, lastJitter: steps.last ?? 0)
    }

    // MARK: finite t: eigendecomposition (GradientFlow).

    func predictFinite(_ x: Matrix, _ y: Matrix, _ xt: Matrix, _ covariance: Bool,
                       _ progress: Progress?) throws -> Result {
        progress?("train kernel", 0)
        let kXX = kernel(x)
        progress?("train kernel", 1)
        let g = pick(kXX)
        let ridge = self.ridge(forDiagonal: g.diagonal)
        progress?("eigendecomposition", 0)
        let flow = try GradientFlow(kTrainTrain: g, learningRate: learningRate / (perOutput ? Double(Swift.max(y.columns, 1)) : 1),
                                    loss: loss, diagReg: ridge)
        progress?("eigendecomposition", 1)
        let t = FlowTime.time(time)
        let (_, gain) = try flow.factors(t)
        let coefficients = flow.applySpectral(gain, y)          // V·diag(gain)·Vᵀ·Y
        let m = xt.rows
        var mean = Matrix(rows: m, columns: y.columns)
        var gTD = covariance ? Matrix(rows: m, columns: x.rows) : Matrix(rows: 0, columns: 0)
        var kTD = covariance && mode == .ntk ? Matrix(rows: m, columns: x.rows) : Matrix(rows: 0, columns: 0)
        var i0 = 0
        while i0 < m {
            let i1 = Swift.min(m, i0 + blockRows)
            let (gb, sb) = testTrainBlock(xt.rows(i0..<i1), x, covariance: covariance)
            var part = Matrix(rows: i1 - i0, columns: y.columns)
            Matrix.gemm(gb, coefficients, into: &part)
            mean.storage.replaceSubrange((i0 * y.columns)..<(i1 * y.columns), with: part.storage)
            if covariance {
                gTD.storage.replaceSubrange((i0 * x.rows)..<(i1 * x.rows), with: gb.storage)
                if let sb { kTD.storage.replaceSubrange((i0 * x.rows)..<(i1 * x.rows), with: sb.storage) }
            }
            progress?("test predictions", Double(i1) / Double(m))
            i0 = i1
        }
        var cov: Matrix?
        if covariance {
            let kTT = kernel.nngp(xt)
            switch mode {
            case .ntk:
                cov = try flow.covariance(at: t, kTestTrain: gTD, nngpTrainTrain: kXX.nngp,
                                          nngpTestTrain: kTD, nngpTestTest: kTT)
            case .nngp:
                // Σ** − Σ*X V diag((1 − e^{−2aλt})/λ) Vᵀ ΣX*  (neural-tangents' NNGP covariance).
                let m2 = try flow.transferMatrix(at: .time(2 * time), kTestTrain: gTD)
                var c = kTT
                Matrix.gemm(m2, gTD, transB: .transpose, alpha: -1, beta: 1, into: &c)
                cov = c
            }
        }
        return Result(mean: mean, covariance: cov, ridge: ridge, jitter: 0, method: "eigendecomposition",
                      seconds: 0, peakBytes: 0)
    }

    /// Peak resident set size of this process (ru_maxrss, kB on Linux), in bytes.
    public static func peakResidentBytes() -> Int {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Int(u.ru_maxrss) * 1024
    }
}
