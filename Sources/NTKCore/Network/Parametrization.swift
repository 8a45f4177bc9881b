/// How the weight product is scaled in a dense layer.
///
/// - `paper`: α̃(ℓ+1) = W(ℓ)α(ℓ)/√n_ℓ + β·b(ℓ) (Jacot et al. 2018, §2, eq. before Prop. 1).
/// - `authorsCode`: the `Linear` layer of the authors' `network.py` (github.com/ajacot/NTK_utils)
///   scales W·α by √(1−β²)/√n_ℓ, so Σ(1) = (1−β²)x·x'/n0 + β². The paper does not state this;
///   for β = 0.1 it moves the kernels by ≤ 1% (docs/SPEC.md §1.1).
public enum Parametrization: String, Sendable, CaseIterable {
    case paper
    case authorsCode = "authors-code"

    /// The variance factor w² multiplying the weight term: 1 (paper) or 1 − β² (authors' code).
    /// The analytic recursion uses Σ(ℓ+1) = w²·E[σσ] + β² and Σ̇(ℓ+1) = w²·E[σ'σ'].
    public func weightVariance(beta: Double) -> Double {
        switch self {
        case .paper: return 1
        case .authorsCode: return 1 - beta * beta
        }
    }
}
