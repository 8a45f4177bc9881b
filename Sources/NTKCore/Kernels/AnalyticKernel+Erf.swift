import Foundation

/// erf closed forms (Williams 1997; docs/SPEC.md §1.7). With q = √((1+2a)(1+2b)):
///
/// ```
/// E[erf(u)erf(v)] = (2/π)·arcsin(2c/q)         = (2/π)·atan2(2c, √(q² − 4c²))
/// E[σ'(u)σ'(v)]   = (4/π)·(q² − 4c²)^(−1/2),   σ'(z) = (2/√π)e^{−z²}
/// ```
///
/// arcsin is taken as atan2 for the same reason as the ReLU angle: no loss of digits near ±1.
enum ErfDual: DualActivation {
    /// √(1 + 2a).
    @inline(__always) static func prepare(_ a: Double) -> Double { (1 + 2 * a).squareRoot() }

    @inline(__always)
    static func dual(_ pa: Double, _ pb: Double, _ c: Double) -> (Double, Double) {
        let q = pa * pb
        let c2 = 2 * c
        let disc = Swift.max((q - c2) * (q + c2), 0)
        let r = disc.squareRoot()
        return (0.6366197723675814 * atan2(c2, r),      // 2/π
                1.2732395447351628 / r)                  // 4/π
    }

    /// E[erf(u)²] = (2/π)·arcsin(2a/(1+2a)), E[σ'(u)²] = (4/π)/√(1+4a).
    @inline(__always) static func diagonal(_ a: Double) -> (Double, Double) {
        let q = 1 + 2 * a
        return (0.6366197723675814 * atan2(2 * a, ((q - 2 * a) * (q + 2 * a)).squareRoot()),
                1.2732395447351628 / (1 + 4 * a).squareRoot())
    }
}
