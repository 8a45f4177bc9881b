import Foundation

/// A centred Gaussian law N(0, C) on d coordinates, for the null distributions of statistics
/// computed from R independent draws (an ensemble of trained networks against the NTK-GP,
/// docs/SPEC.md §7.8). C may be singular (a GP at its training points after training): draws
/// use C = V·diag(λ₊)·Vᵀ with negative rounding-level eigenvalues set to zero.
public struct GaussianLaw: Sendable {
    public let covariance: Matrix
    /// V·diag(√λ₊), so that a draw is factor·z with z ~ N(0, I).
    let factor: Matrix

    public init(covariance: Matrix) throws {
        guard covariance.isSquare else {
            throw LinearAlgebraError.dimensionMismatch("a covariance must be square, got \(covariance.rows)×\(covariance.columns)")
        }
        self.covariance = covariance
        let e = try covariance.symmetricEigen()
        var f = e.vectors
        for j in 0..<f.columns {
            let s = Swift.max(e.values[j], 0).squareRoot()
            for i in 0..<f.rows { f[i, j] *= s }
        }
        factor = f
    }

    public var dimension: Int { covariance.rows }

    /// `count` draws as the rows of a count×d matrix.
    public func draws<G: RandomNumberGenerator>(count: Int, using rng: inout G) -> Matrix {
        let z = Gaussian.matrix(rows: count, columns: dimension, using: &rng)
        return Matrix.product(z, factor, transB: .transpose)
    }

    /// Null standard deviation of the pooled variance ratio Σ_x s²(x) / Σ_x C_xx, where s²(x) is
    /// the (R−1)-denominator sample variance of R independent draws: for Gaussian draws
    /// Cov(s²(x), s²(y)) = 2·C_xy²/(R−1), so the ratio has variance 2·Σ_xy C_xy² / ((R−1)(Σ_x C_xx)²).
    public func pooledVarianceRatioNullSD(replicates r: Int) -> Double {
        Self.nullSD(covariance, replicates: r)     // finite: it passed the eigendecomposition
    }

    /// The same for a covariance alone: it needs only Σ_x C_xx and Σ_xy C_xy², so no law (and no
    /// eigendecomposition) has to be built.
    ///
    /// - Throws: the errors of `init(covariance:)` for a non-square or non-finite covariance.
    public static func pooledVarianceRatioNullSD(covariance c: Matrix, replicates r: Int) throws -> Double {
        guard c.isSquare else {
            throw LinearAlgebraError.dimensionMismatch("a covariance must be square, got \(c.rows)×\(c.columns)")
        }
        guard c.storage.allSatisfy({ $0.isFinite }) else { throw LinearAlgebraError.nonFinite("covariance") }
        return nullSD(c, replicates: r)
    }

    private static func nullSD(_ c: Matrix, replicates r: Int) -> Double {
        precondition(r >= 2, "a sample variance needs at least two replicates")
        let tr = c.trace
        let ss = c.storage.reduce(0) { $0 + $1 * $1 }
        return (2 * ss / (Double(r - 1) * tr * tr)).squareRoot()
    }

    /// Mean and variance, over draws, of the fraction of coordinates inside ±k standard
    /// deviations (|f_x| ≤ k·√C_xx), estimated from `draws` seeded draws. R independent
    /// replicates divide the variance of their pooled fraction by R.
    public func coverageFraction<G: RandomNumberGenerator>(k: Double, draws count: Int,
                                                           using rng: inout G) -> (mean: Double, variance: Double) {
        let d = draws(count: count, using: &rng)
        let sd = covariance.diagonal.map { Swift.max($0, 0).squareRoot() }
        var fractions = [Double]()
        fractions.reserveCapacity(count)
        for i in 0..<count {
            var inside = 0
            for j in 0..<dimension where abs(d[i, j]) <= k * sd[j] { inside += 1 }
            fractions.append(Double(inside) / Double(dimension))
        }
        let (m, s) = meanAndSD(fractions)
        return (m, s * s)
    }
}
