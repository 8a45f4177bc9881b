import Foundation

/// The two-layer ReLU network of Arora, Du, Hu, Li & Wang (ICML 2019), §3 (docs/SPEC.md §2f):
///
/// ```
/// f(x) = (1/√m) Σ_r a_r · relu(w_r · x),   a_r ~ unif{±1} fixed,   w_r(0) ~ N(0, κ² I)
/// ```
///
/// Only W (m×d) is trained, by full-batch gradient descent on Φ = ½ Σ_i (y_i − f(x_i))².
public struct TwoLayerReLU: Sendable {
    /// First-layer weights, m×d (row r is w_r).
    public var weights: Matrix
    /// Fixed output signs a_r ∈ {±1}.
    public let signs: [Double]

    public var width: Int { weights.rows }
    public var inputDimension: Int { weights.columns }

    /// Draws W(0) with iid N(0, κ²) entries, then a_r uniform on {±1}, from `rng`.
    ///
    /// With `antisymmetric: true` (m even) the second half of the neurons copies the first half's
    /// w_r with the opposite a_r (the "doubling trick" of Chizat & Bach 2019), so f ≡ 0 at
    /// initialisation for any κ while H(0) keeps the same law; then κ need not be small for
    /// u(0) ≈ 0, and the network stays closer to its linearisation.
    public init<G: RandomNumberGenerator>(inputDimension d: Int, width m: Int, initScale kappa: Double,
                                          antisymmetric: Bool = false, using rng: inout G) {
        precondition(d >= 1 && m >= 1, "width and input dimension must be at least 1")
        precondition(!antisymmetric || m % 2 == 0, "an antisymmetric initialisation needs an even width")
        let drawn = antisymmetric ? m / 2 : m
        var w = Gaussian.matrix(rows: drawn, columns: d, using: &rng)
        w.scale(by: kappa)
        var a = (0..<drawn).map { _ in rng.next() & 1 == 0 ? 1.0 : -1.0 }
        if antisymmetric {
            w = Matrix(rows: m, columns: d, storage: w.storage + w.storage)
            a += a.map { -$0 }
        }
        weights = w
        signs = a
    }

    /// Outputs u_i = f(x_i) for the rows of `x`.
    public func callAsFunction(_ x: Matrix) -> [Double] {
        var z = Matrix.product(x, weights, transB: .transpose)       // n×m pre-activations
        for i in 0..<z.storage.count where z.storage[i] < 0 { z.storage[i] = 0 }
        var u = z.times(signs)
        BLAS.scal(1 / Double(width).squareRoot(), &u)
        return u
    }

    /// The activation pattern 1{w_r·x_i ≥ 0} (the derivative's indicator), n×m as 0/1.
    public func activationPattern(_ x: Matrix) -> Matrix {
        var z = Matrix.product(x, weights, transB: .transpose)
        for i in 0..<z.storage.count { z.storage[i] = z.storage[i] >= 0 ? 1 : 0 }
        return z
    }

    /// The network's own Gram matrix H(W)_ij = (x_i·x_j)/m · Σ_r 1{w_r·x_i ≥ 0}·1{w_r·x_j ≥ 0}
    /// (Arora et al. 2019, eq. 4; a_r² = 1), whose expectation at initialisation is H∞.
    public func gram(_ x: Matrix) -> Matrix {
        var h = Matrix.gram(activationPattern(x), alpha: 1 / Double(width))
        h.multiplyElementwise(by: Matrix.gram(x))
        return h
    }

    /// Gradient descent on Φ = ½‖y − u‖² for `steps` steps with learning rate η.
    ///
    /// Each step is two gemms (Z = X·Wᵀ and W ← W − η·Dᵀ·X with D_ir = (u_i − y_i)·a_r·1{Z_ir ≥ 0}/√m).
    /// `onStep(k, Φ)` sees the loss before step k+1 (k = 0…steps).
    ///
    /// With `precision: .float32` the weights are rounded to float32 once, trained there (sgemm:
    /// half the flops' time and half the memory traffic of dgemm) and widened back into
    /// `weights` when training ends, also when it throws; Φ is summed in float64. Rounding a
    /// float32 weight to float64 and back is exact, so training in segments still equals one run.
    ///
    /// - Throws: `TrainingError.diverged` when Φ is not finite.
    public mutating func train(inputs x: Matrix, targets y: [Double], steps: Int, learningRate eta: Double,
                               precision: TrainingPrecision = .float64,
                               onStep: ((Int, Double) -> Void)? = nil) throws {
        precondition(x.columns == inputDimension && y.count == x.rows, "shapes do not match")
        precondition(x.rows >= 1, "there are no training inputs")
        precondition(steps >= 0, "steps must be non-negative")
        let n = x.rows, m = width, d = inputDimension
        switch precision {
        case .float64:
            // Move the storage into the loop and back (O(1) swaps, no copy).
            var w = [Double]()
            swap(&w, &weights.storage)
            defer { swap(&w, &weights.storage) }
            try Self.descend(x: x.storage, y: y, signs: signs, weights: &w, n: n, m: m, d: d,
                             steps: steps, eta: eta, onStep: onStep)
        case .float32:
            var w = weights.storage.map(Float.init)
            defer {
                w.withUnsafeBufferPointer { src in
                    weights.storage.withUnsafeMutableBufferPointer { dst in
                        for i in 0..<dst.count { dst[i] = Double(src[i]) }
                    }
                }
            }
            try Self.descend(x: x.storage.map(Float.init), y: y, signs: signs.map(Float.init), weights: &w,
                             n: n, m: m, d: d, steps: steps, eta: eta, onStep: onStep)
        }
    }

    /// The loop of `train` in the arithmetic `S`, on row-major X (n×d) and W (m×d).
    private static func descend<S: BLASScalar>(x: [S], y: [Double], signs: [S], weights w: inout [S],
                                                n: Int, m: Int, d: Int, steps: Int, eta: Double,
                                                onStep: ((Int, Double) -> Void)?) throws {
        let invSqrtM = 1 / Double(m).squareRoot()
        var z = [S](repeating: 0, count: n * m)
        var act = [S](repeating: 0, count: n * m)
        var u = [S](repeating: 0, count: n)
        var r = [Double](repeating: 0, count: n)
        let rowChunks = ParallelRows.equalChunks(n, chunks: 8 * ParallelRows.workers)
        try x.withUnsafeBufferPointer { px in
            try signs.withUnsafeBufferPointer { pa in
                try z.withUnsafeMutableBufferPointer { pz in
                    try act.withUnsafeMutableBufferPointer { pd in
                        try u.withUnsafeMutableBufferPointer { pu in
                            try w.withUnsafeMutableBufferPointer { pw in
                                for k in 0...steps {
                                    S.gemm(.none, .transpose, m: n, n: m, k: d, alpha: 1, px.baseAddress!, lda: d,
                                           pw.baseAddress!, ldb: d, beta: 0, pz.baseAddress!, ldc: m)
                                    Activation.relu.apply(UnsafeBufferPointer(pz), into: pd)
                                    S.gemv(.none, rows: n, columns: m, alpha: S(invSqrtM), pd.baseAddress!,
                                           pa.baseAddress!, beta: 0, pu.baseAddress!)
                                    var phi = 0.0
                                    for i in 0..<n { r[i] = Double(pu[i]) - y[i]; phi += 0.5 * r[i] * r[i] }
                                    guard phi.isFinite else { throw TrainingError.diverged(step: k, loss: phi) }
                                    onStep?(k, phi)
                                    if k == steps { break }
                                    // D = diag(r)·1{Z ≥ 0}·diag(a)/√m, written into `act`, rows on all
                                    // threads (each row independent: the same bytes for any count).
                                    let scaled = r.map { S($0 * invSqrtM) }
                                    let zs = SendablePointer(UnsafeBufferPointer(pz)), ds = SendablePointer(pd)
                                    let sa = SendablePointer(pa)
                                    scaled.withUnsafeBufferPointer { pr in
                                        let rs = SendablePointer(pr)
                                        ParallelRows.forEach(rowChunks) { rows in
                                            for i in rows {
                                                let ri = rs.base[i], row = i * m
                                                for j in 0..<m { ds.base[row + j] = zs.base[row + j] >= 0 ? ri * sa.base[j] : 0 }
                                            }
                                        }
                                    }
                                    S.gemm(.transpose, .none, m: m, n: d, k: n, alpha: S(-eta), pd.baseAddress!, lda: m,
                                           px.baseAddress!, ldb: d, beta: 1, pw.baseAddress!, ldc: d)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
