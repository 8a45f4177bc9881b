import Foundation

/// The Gaussian "dual" of an activation: for (u, v) ~ N(0, [[a, c], [c, b]]),
/// E[σ(u)σ(v)] and E[σ'(u)σ'(v)] (Jacot et al. 2018, Prop. 1 and Thm 1). The analytic kernel
/// recursion is generic over this protocol so that each activation's closed form is inlined
/// into the hot elementwise loop.
protocol DualActivation {
    /// Per-input precomputation from a diagonal entry a = Σ(x, x) (e.g. √a for ReLU).
    static func prepare(_ a: Double) -> Double
    /// (E[σ(u)σ(v)], E[σ'(u)σ'(v)]) from the prepared diagonals pa, pb and the covariance c.
    static func dual(_ pa: Double, _ pb: Double, _ c: Double) -> (Double, Double)
    /// (E[σ(u)²], E[σ'(u)²]) for u ~ N(0, a): the exact diagonal.
    static func diagonal(_ a: Double) -> (Double, Double)
}

/// Closed-form Gaussian expectations of an activation (docs/SPEC.md §1.4 and §1.7), exposed for
/// tests and for users.
public enum GaussianExpectation {
    /// (E[σ(u)σ(v)], E[σ'(u)σ'(v)]) for (u, v) ~ N(0, [[a, c], [c, b]]).
    public static func dual(_ activation: Activation, a: Double, b: Double, c: Double) -> (sigma: Double, sigmaDot: Double) {
        let r: (Double, Double)
        switch activation {
        case .relu: r = ReLUDual.dual(ReLUDual.prepare(a), ReLUDual.prepare(b), c)
        case .erf: r = ErfDual.dual(ErfDual.prepare(a), ErfDual.prepare(b), c)
        case .identity: r = IdentityDual.dual(a, b, c)
        }
        return (r.0, r.1)
    }

    /// (E[σ(u)²], E[σ'(u)²]) for u ~ N(0, a).
    public static func diagonal(_ activation: Activation, a: Double) -> (sigma: Double, sigmaDot: Double) {
        let r: (Double, Double)
        switch activation {
        case .relu: r = ReLUDual.diagonal(a)
        case .erf: r = ErfDual.diagonal(a)
        case .identity: r = IdentityDual.diagonal(a)
        }
        return (r.0, r.1)
    }
}

/// σ(z) = z: E[uv] = c, E[1·1] = 1.
enum IdentityDual: DualActivation {
    @inline(__always) static func prepare(_ a: Double) -> Double { a }
    @inline(__always) static func dual(_ pa: Double, _ pb: Double, _ c: Double) -> (Double, Double) { (c, 1) }
    @inline(__always) static func diagonal(_ a: Double) -> (Double, Double) { (a, 1) }
}
