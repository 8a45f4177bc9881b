import Foundation

/// Kernel ridge regression, the t = ∞ limit of `GradientFlow` (docs/SPEC.md §2c, §3.1):
///
/// ```
/// m(x) = Θ(x,X)(Θ(X,X) + λI)⁻¹Y        (λ = 0: ridgeless, the "NTK MAP")
/// ```
///
/// The regularised train kernel is Cholesky-factorised once (LAPACK dpotrf), so no
/// eigendecomposition is needed: this is the fast path for large N.
public struct KernelRegression: Sendable {
    /// Cholesky factor of Θ(X,X) + ridge·I.
    public let factor: Cholesky
    /// (Θ + λI)⁻¹Y, N×O.
    public let dualCoefficients: Matrix

    /// - Throws: `PredictionError.notPositiveDefinite` when Θ + λI is not positive definite
    ///   (the message says to add a ridge).
    public init(kTrainTrain: Matrix, yTrain: Matrix, ridge: Double = 0) throws {
        guard kTrainTrain.isSquare, yTrain.rows == kTrainTrain.rows else {
            throw PredictionError.shapeMismatch("train kernel \(kTrainTrain.rows)×\(kTrainTrain.columns), targets \(yTrain.rows)×\(yTrain.columns)")
        }
        // A ridge changes the kernel: the copy that makes is then factorised in place, rather
        // than copied a second time by `Cholesky(_:)`.
        if ridge != 0 {
            self = try KernelRegression(consuming: kTrainTrain, yTrain: yTrain, ridge: ridge)
            return
        }
        let k = kTrainTrain
        do {
            factor = try Cholesky(k)
        } catch LinearAlgebraError.notPositiveDefinite {
            let lmin = (try? k.symmetricEigenvalues())?.first ?? -.infinity
            throw PredictionError.notPositiveDefinite(smallestEigenvalue: lmin)
        }
        dualCoefficients = try factor.solve(yTrain)
    }

    /// As `init(kTrainTrain:yTrain:ridge:)`, but factorises the kernel in its own storage: when
    /// the caller hands it over (`consume k`, or a temporary) no N² buffer is allocated or
    /// copied, which at N = 5000 saves the 100 MB triangle copy and its page faults (≈ 0.06 s
    /// of a 0.58 s prediction, ntk-bench). The error for a symmetric kernel that is not positive
    /// definite is the same: dpotrf leaves the strictly lower triangle untouched, so the kernel is
    /// rebuilt from it (mirrored) for the smallest eigenvalue.
    public init(consuming kTrainTrain: consuming Matrix, yTrain: Matrix, ridge: Double = 0) throws {
        guard kTrainTrain.isSquare, yTrain.rows == kTrainTrain.rows else {
            throw PredictionError.shapeMismatch("train kernel \(kTrainTrain.rows)×\(kTrainTrain.columns), targets \(yTrain.rows)×\(yTrain.columns)")
        }
        if ridge != 0 { kTrainTrain.addToDiagonal(ridge) }
        let n = kTrainTrain.rows
        let diagonal = kTrainTrain.diagonal
        var f = [Double]()
        swap(&f, &kTrainTrain.storage)
        do {
            try Cholesky.factorInPlace(&f, order: n)
        } catch LinearAlgebraError.notPositiveDefinite {
            var k = Matrix(rows: n, columns: n, storage: f)
            for i in 0..<n {
                k[i, i] = diagonal[i]
                for j in (i + 1)..<n { k[i, j] = k[j, i] }
            }
            let lmin = (try? k.symmetricEigenvalues())?.first ?? -.infinity
            throw PredictionError.notPositiveDefinite(smallestEigenvalue: lmin)
        }
        factor = Cholesky(order: n, factor: f)
        dualCoefficients = try factor.solve(yTrain)
    }

    /// Θ(x,X)(Θ + λI)⁻¹Y for an M×N test–train kernel (one gemm).
    public func predict(kTestTrain: Matrix) throws -> Matrix {
        guard kTestTrain.columns == dualCoefficients.rows else {
            throw PredictionError.shapeMismatch("test kernel has \(kTestTrain.columns) columns, expected \(dualCoefficients.rows)")
        }
        return Matrix.product(kTestTrain, dualCoefficients)
    }
}
