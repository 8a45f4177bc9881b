import Foundation
import XCTest
@testable import NTKCore

/// Named tolerances of the engine tests (NTK, kernels, predictors, CLI), each with how it was
/// chosen. No bare numbers in the assertions.
enum Tolerance {
    /// Two float64 computations of the same quantity by different BLAS orderings: a few hundred
    /// ulps of relative error at most.
    static let float64Rel = 1e-12
    /// One float32 GD step vs float64: parameters rounded to float32 (6·10⁻⁸ relative) plus a
    /// step whose sums of ~10³ float32 terms add ~√10³·6·10⁻⁸ ≈ 2·10⁻⁶ to the moved entries.
    static let float32StepRel = 1e-5
    /// Float32 vs float64 loss along 200 GD steps at n = 1000: rounding differences grow along
    /// the trajectory; 4·10⁻⁵ measured, so 10⁻³ still fails on any real discrepancy.
    static let float32LossRel = 1e-3
    /// ‖Θ_T(float32) − Θ_T(float64)‖ / ‖Θ_T − Θ0‖ at n = 1000 after 200 steps: 0.26% measured
    /// (0.05% at n = 4000). Under 1% keeps float32 error far below the drift fig1/fig2 measure.
    static let float32KernelDriftFraction = 0.01
    /// Layerwise NTK vs explicit J·Jᵀ (docs/SPEC.md §4 claim 5): float64 sums over ~10⁴ terms.
    static let jacobianRel = 1e-9
    /// L = 1 empirical NTK vs Σ(1) (claim 4): deterministic at any width up to rounding.
    static let depthOneRel = 1e-10
    /// Closed forms vs exactly known numbers (claim 1, hand-derived γ = 0 column, §1.6 formula).
    static let exactAbs = 1e-9
    /// docs/SPEC.md §1.5 table entries are printed with 6 decimals: half a unit of the last digit.
    static let tableAbs = 5e-7
    /// Monte Carlo check of E[σσ], E[σ'σ'] (claim 2): at most 5 standard errors.
    static let monteCarloStandardErrors = 5.0
    /// Gauss–Hermite (degree 80) vs closed form for erf, which is smooth: quadrature error
    /// is far below this.
    static let quadratureSmoothRel = 1e-7
    /// Half-line Gauss–Legendre (degree 200, smooth integrand, inner expectation in closed
    /// form) vs the ReLU closed form: limited by the erfc/exp evaluations, ≪ 1e-10.
    static let quadratureReLURel = 1e-10
    /// Symmetry of analytic Gram matrices (claim 3): mirrored exactly, so 1e-12 is generous.
    static let symmetryAbs = 1e-12
    /// Smallest eigenvalues of the 64-point circle Grams vs the [V] values 3.96e−3 and 5.93e−3
    /// quoted to 3 significant digits (≤ 0.5% relative).
    static let circleEigenRel = 5e-3
    /// Rank test for L = 1 on the circle: eigenvalues below this (relative to λmax) count as 0.
    static let rankRel = 1e-10
    /// Claim 3: λmin > 1e−3 for L ≥ 2.
    static let positiveDefiniteFloor = 1e-3
    /// ADH+19 relation at β = 0 (claim 17).
    static let adhRel = 1e-9
    /// Mean of 10 empirical NTKs at width 2048 vs Θ∞ (claim 6 scaled): single-seed sd of
    /// Θ(x0,x0) ≈ 0.036·√(500/2048) ≈ 0.018, SE over 10 seeds ≈ 0.0056; 5 SE ≈ 0.028, plus
    /// the O(1/n) inflation bias (≲ 0.002 at n = 2048).
    static let meanEmpiricalAbs = 0.03
    /// Linearised GD vs closed form (I − ηΘ/N)^k (claim 12).
    static let linearizedRel = 1e-8
    /// Backprop gradient vs central finite differences (step 1e-6): truncation O(h²) and
    /// cancellation O(ε/h) ≈ 1e-10 relative.
    static let finiteDifferenceRel = 1e-6
    /// Predictor identities (t = 0, t = ∞ vs direct solve) on well-conditioned kernels:
    /// eigen vs Cholesky rounding times the condition number (≲ 1e4 here).
    static let predictorRel = 1e-9
    /// Inlined atan2 of the ReLU closed form vs libm's atan2 on angles in [0, π]: a few ulps of
    /// π (ulp(π) ≈ 4.4e-16).
    static let angleAbs = 4e-15
}

/// Relative Frobenius error ‖a − e‖/max(‖e‖, 1e−300).
func relativeFrobeniusError(_ a: Matrix, _ e: Matrix) -> Double {
    precondition(a.rows == e.rows && a.columns == e.columns, "shapes differ")
    return (a - e).frobeniusNorm / max(e.frobeniusNorm, 1e-300)
}

/// Fails with both the relative Frobenius error and the max absolute error when a ≉ e.
func assertCloseMatrices(_ a: Matrix, _ e: Matrix, relative tol: Double, _ what: String = "",
                         file: StaticString = #filePath, line: UInt = #line) {
    guard a.rows == e.rows && a.columns == e.columns else {
        XCTFail("\(what): shapes \(a.rows)×\(a.columns) and \(e.rows)×\(e.columns) differ", file: file, line: line)
        return
    }
    let rel = relativeFrobeniusError(a, e)
    XCTAssertLessThanOrEqual(rel, tol, "\(what): relative Frobenius error \(rel), max abs error \((a - e).maxAbs)",
                             file: file, line: line)
}

/// Points (cos γ, sin γ) on the unit circle.
func circlePoints(_ angles: [Double]) -> Matrix {
    Matrix(angles.map { [cos($0), sin($0)] })
}
