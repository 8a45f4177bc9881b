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
    /// - Throws: `TrainingError.diverged` when Φ is not finite.
    public mutating func train(inputs x: Matrix, targets y: [Double], steps: Int, learningRate eta: Double,
                               onStep: ((Int, Double) -> Void)? = nil) throws {
        precondition(x.columns == inputDimension && y.count == x.rows, "shapes do not match")
        let n = x.rows, m = width
        let invSqrtM = 1 / Double(m).squareRoot()
        var z = Matrix(rows: n, columns: m)
        var act = Matrix(rows: n, columns: m)
        var u = [Double](repeating: 0, count: n)
        for k in 0...steps {
            Matrix.gemm(x, weights, transB: .transpose, into: &z)
            z.storage.withUnsafeBufferPointer { pz in
                act.storage.withUnsafeMutableBufferPointer { pa in
                    for i in 0..<pz.count { pa[i] = pz[i] > 0 ? pz[i] : 0 }
                }
            }
            Matrix.gemv(act, .none, signs, alpha: invSqrtM, into: &u)
            var phi = 0.0
            var r = [Double](repeating: 0, count: n)
            for i in 0..<n { r[i] = u[i] - y[i]; phi += 0.5 * r[i] * r[i] }
            guard phi.isFinite else { throw TrainingError.diverged(step: k, loss: phi) }
            onStep?(k, phi)
            if k == steps { break }
            // D = diag(r)·1{Z ≥ 0}·diag(a)/√m, written into `act`.
            z.storage.withUnsafeBufferPointer { pz in
                act.storage.withUnsafeMutableBufferPointer { pd in
                    signs.withUnsafeBufferPointer { pa in
                        for i in 0..<n {
                            let ri = r[i] * invSqrtM, row = i * m
                            for j in 0..<m { pd[row + j] = pz[row + j] >= 0 ? ri * pa[j] : 0 }
                        }
                    }
                }
            }
            Matrix.gemm(act, x, transA: .transpose, alpha: -eta, beta: 1, into: &weights)
        }
    }
}
