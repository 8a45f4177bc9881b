import Foundation

/// When to evaluate a gradient-descent prediction.
public enum FlowTime: Sendable, Equatable {
    /// Continuous time t = learning rate × steps (gradient flow, e^{−At}); `.infinity` allowed.
    case time(Double)
    /// k discrete full-batch gradient-descent steps ((I − A)^k).
    case steps(Int)

    /// t = ∞ (the kernel-regression limit).
    public static let infinity = FlowTime.time(.infinity)
}

/// How the squared loss is normalised, which fixes the rate matrix A (docs/SPEC.md §3.1).
public enum LossNormalization: Sendable {
    /// Jacot's C = (1/2N)Σ‖f − y‖²: A = ηΘ/N.
    case mean
    /// Lee et al.'s ½Σ‖f − y‖²: A = ηΘ.
    case sum
}

/// Errors of the kernel predictors.
public enum PredictionError: Error, Equatable, CustomStringConvertible, Sendable {
    /// t = ∞ needs a positive-definite train kernel (plus ridge).
    case notPositiveDefinite(smallestEigenvalue: Double)
    /// t = ∞ on a numerically singular train kernel: λmin ≤ N·ε·λmax (a duplicated input, say).
    case singular(smallestEigenvalue: Double, largestEigenvalue: Double, threshold: Double)
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case .notPositiveDefinite(let l):
            return "the train kernel (plus ridge) is not positive definite (smallest eigenvalue \(l)); "
                + "the t = ∞ prediction needs a positive ridge or distinct inputs"
        case .singular(let lmin, let lmax, let thr):
            return "the train kernel (plus ridge) is numerically singular: smallest eigenvalue \(lmin) ≤ N·ε·λmax = \(thr) (λmax \(lmax)), "
                + "so the t = ∞ prediction is meaningless; add a ridge (diagReg) or remove duplicated inputs"
        case .shapeMismatch(let s):
            return "shape mismatch: \(s)"
        }
    }
}

/// Predictions of a network trained by gradient descent on the squared loss, in the linearised
/// (NTK) regime: Lee et al. (2019), "Wide Neural Networks of Any Depth Evolve as Linear Models
/// Under Gradient Descent", eqs. (9)–(11) and §2.3 (docs/SPEC.md §3.1). With A = ηΘ/N:
///
/// ```
/// f_t(X) = Y + e^{−At}(f0(X) − Y)
/// f_t(x) = f0(x) + Θ(x,X)Θ⁻¹(I − e^{−At})(Y − f0(X))
/// ```
///
/// and (I − A)^k in place of e^{−At} for k discrete steps. The train kernel is eigendecomposed
/// once (LAPACK dsyevd) and every time point then costs O(N²·O). The same formulas give the
/// linearised network's outputs when Θ is the empirical NTK at initialisation and f0 are the
/// initial network outputs. Time units: t = learning rate × steps (neural-tangents'
/// "absolute_time").
public struct GradientFlow: Sendable {
    /// Eigendecomposition of Θ(X, X) + diagReg·I (ascending eigenvalues).
    public let eigen: SymmetricEigen
    /// Learning rate η.
    public let learningRate: Double
    /// A = rateScale·Θ: η/N for the mean loss, η for the summed loss.
    public let rateScale: Double

    /// Factorises the N×N train kernel once.
    ///
    /// - Parameters:
    ///   - kTrainTrain: Θ(X, X), symmetric N×N (empirical or analytic NTK).
    ///   - learningRate: η (1.0 in the paper).
    ///   - loss: `.mean` for Jacot's (1/2N)Σ‖f − y‖² (default), `.sum` for ½Σ‖f − y‖².
    ///   - diagReg: a ridge added to the diagonal of Θ(X, X).
    public init(kTrainTrain: Matrix, learningRate: Double = 1, loss: LossNormalization = .mean,
                diagReg: Double = 0) throws {
        guard kTrainTrain.isSquare else {
            throw PredictionError.shapeMismatch("train kernel is \(kTrainTrain.rows)×\(kTrainTrain.columns)")
        }
        var k = kTrainTrain
        if diagReg != 0 { k.addToDiagonal(diagReg) }
        eigen = try k.symmetricEigen()
        self.learningRate = learningRate
        rateScale = GradientFlow.rateScale(learningRate: learningRate, loss: loss, trainSize: kTrainTrain.rows)
    }

    /// a in A = a·Θ: η/N for the mean loss, η for the summed loss.
    public static func rateScale(learningRate: Double, loss: LossNormalization, trainSize n: Int) -> Double {
        loss == .mean ? learningRate / Double(Swift.max(1, n)) : learningRate
    }

    /// t = ∞ needs λmin > N·ε·λmax: below it the eigendecomposition cannot resolve λmin from
    /// rounding (LAPACK dsyevd's eigenvalue error is O(N·ε·‖Θ‖)), so Θ⁻¹ amplifies noise.
    public static let singularityFactor = Double.ulpOfOne

    /// Number of training points N.
    public var trainSize: Int { eigen.values.count }

    /// Per-eigenvalue (decay, gain): decay = e^{−aλt} or (1 − aλ)^k, gain = (1 − decay)/λ,
    /// with the λ → 0 limit taken analytically (gain = a·t or a·k).
    func factors(_ time: FlowTime) throws -> (decay: [Double], gain: [Double]) {
        let a = rateScale
        switch time {
        case .time(let t) where t == .infinity:
            let lmin = eigen.values.first ?? 1, lmax = eigen.values.last ?? 1
            guard lmin > 0 else { throw PredictionError.notPositiveDefinite(smallestEigenvalue: lmin) }
            let threshold = GradientFlow.singularityFactor * Double(trainSize) * lmax
            guard lmin > threshold else {
                throw PredictionError.singular(smallestEigenvalue: lmin, largestEigenvalue: lmax, threshold: threshold)
            }
            return (eigen.values.map { _ in 0 }, eigen.values.map { 1 / $0 })
        case .time(let t):
            return GradientFlow.flowFactors(eigenvalues: eigen.values, rateScale: a, time: t)
        case .steps(let k):
            precondition(k >= 0, "steps must be non-negative")
            let kd = Double(k)
            var decay = [Double](), gain = [Double]()
            for l in eigen.values {
                let x = a * l
                if x < 1 {
                    let lg = kd * Foundation.log1p(-x)        // log (1 − x)^k
                    decay.append(Foundation.exp(lg))
                    gain.append(l == 0 ? a * kd : -Foundation.expm1(lg) / l)
                } else {
                    let dk = Foundation.pow(1 - x, kd)
                    decay.append(dk)
                    gain.append((1 - dk) / l)
                }
            }
            return (decay, gain)
        }
    }

    /// Per-eigenvalue (e^{−aλt}, (1 − e^{−aλt})/λ) of the gradient flow at a finite time t, with
    /// the λ → 0 limit a·t; the spectral functions of every finite-t prediction.
    public static func flowFactors(eigenvalues: [Double], rateScale a: Double, time t: Double) -> (decay: [Double], gain: [Double]) {
        precondition(t >= 0 && t.isFinite, "time must be finite and non-negative")
        let decay = eigenvalues.map { Foundation.exp(-a * $0 * t) }
        let gain = eigenvalues.map { l in l == 0 ? a * t : -Foundation.expm1(-a * l * t) / l }
        return (decay, gain)
    }

    /// V·diag(w)·Vᵀ·m (two gemms).
    func applySpectral(_ w: [Double], _ m: Matrix) -> Matrix {
        var c = Matrix.product(eigen.vectors, m, transA: .transpose)
        for i in 0..<c.rows { for j in 0..<c.columns { c[i, j] *= w[i] } }
        return Matrix.product(eigen.vectors, c)
    }

    /// Mean prediction on the training inputs: Y + e^{−At}(f0(X) − Y).
    /// At t = 0 this returns fTrain0 exactly (up to rounding of V·Vᵀ).
    public func predictTrain(at time: FlowTime, fTrain0: Matrix, yTrain: Matrix) throws -> Matrix {
        try checkTrain(fTrain0, yTrain)
        let (decay, _) = try factors(time)
        return yTrain + applySpectral(decay, fTrain0 - yTrain)
    }

    /// Mean prediction on test inputs: f0(x) + Θ(x,X)Θ⁻¹(I − e^{−At})(Y − f0(X)).
    ///
    /// - Parameters:
    ///   - kTestTrain: Θ(x, X), M×N.
    ///   - fTest0: f0 at the test inputs, M×O (zeros for the mean over initialisations).
    public func predictTest(at time: FlowTime, fTrain0: Matrix, yTrain: Matrix, fTest0: Matrix,
                            kTestTrain: Matrix) throws -> Matrix {
        try checkTrain(fTrain0, yTrain)
        guard kTestTrain.columns == trainSize, fTest0.rows == kTestTrain.rows, fTest0.columns == yTrain.columns else {
            throw PredictionError.shapeMismatch("test kernel \(kTestTrain.rows)×\(kTestTrain.columns), test outputs \(fTest0.rows)×\(fTest0.columns)")
        }
        let (_, gain) = try factors(time)
        var out = fTest0
        Matrix.gemm(kTestTrain, applySpectral(gain, yTrain - fTrain0), beta: 1, into: &out)
        return out
    }

    /// M_t(x) = Θ(x,X)Θ⁻¹(I − e^{−At}), the M×N matrix that maps train residuals to test outputs.
    public func transferMatrix(at time: FlowTime, kTestTrain: Matrix) throws -> Matrix {
        guard kTestTrain.columns == trainSize else {
            throw PredictionError.shapeMismatch("test kernel has \(kTestTrain.columns) columns, expected \(trainSize)")
        }
        let (_, gain) = try factors(time)
        return applySpectral(gain, kTestTrain.transposed).transposed
    }

    /// Covariance at time t of the NTK-GP (f0 ~ GP(0, K), K = Σ(L)) at test inputs
    /// (Lee et al. 2019, eq. (15); docs/SPEC.md §3.1):
    ///
    /// ```
    /// Cov_t(x,x') = K(x,x') + M_t(x)K(X,X)M_t(x')ᵀ − M_t(x)K(X,x') − M_t(x')K(X,x)
    /// ```
    public func covariance(at time: FlowTime, kTestTrain: Matrix, nngpTrainTrain: Matrix,
                           nngpTestTrain: Matrix, nngpTestTest: Matrix) throws -> Matrix {
        guard nngpTrainTrain.rows == trainSize, nngpTestTrain.columns == trainSize,
              nngpTestTest.rows == kTestTrain.rows, nngpTestTrain.rows == kTestTrain.rows else {
            throw PredictionError.shapeMismatch("NNGP blocks do not match the NTK blocks")
        }
        let m = try transferMatrix(at: time, kTestTrain: kTestTrain)
        let mk = Matrix.product(m, nngpTrainTrain)                 // M K(X,X)
        var cov = nngpTestTest
        Matrix.gemm(mk, m, transB: .transpose, beta: 1, into: &cov) // + M K Mᵀ
        let cross = Matrix.product(m, nngpTestTrain, transB: .transpose)  // M K(X,x')
        cov = cov - cross - cross.transposed
        return cov
    }

    /// Covariance on the training inputs: e^{−At}K(X,X)e^{−At}.
    public func covarianceTrain(at time: FlowTime, nngpTrainTrain: Matrix) throws -> Matrix {
        let (decay, _) = try factors(time)
        let v = eigen.vectors
        var e = v
        for i in 0..<e.rows { for j in 0..<e.columns { e[i, j] *= decay[j] } }
        let ed = Matrix.product(e, v, transB: .transpose)           // e^{−At}
        return Matrix.product(Matrix.product(ed, nngpTrainTrain), ed)
    }

    func checkTrain(_ f0: Matrix, _ y: Matrix) throws {
        guard f0.rows == trainSize, y.rows == trainSize, f0.columns == y.columns else {
            throw PredictionError.shapeMismatch("train outputs \(f0.rows)×\(f0.columns) and targets \(y.rows)×\(y.columns) for \(trainSize) train points")
        }
    }
}
