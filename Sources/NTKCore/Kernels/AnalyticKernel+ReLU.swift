import Foundation

/// ReLU arc-cosine closed forms (Cho & Saul 2009; PAPER-SPEC §1.4). With Λ = [[a, c], [c, b]]
/// and φ the angle between the two Gaussian directions,
///
/// ```
/// E[relu(u)relu(v)] = (√(ab − c²) + (π − φ)·c) / (2π)      (= ½√(ab)·κ1(ρ))
/// E[1{u>0}1{v>0}]   = (π − φ) / (2π)                       (= ½κ0(ρ))
/// φ = atan2(√(ab − c²), c)
/// ```
///
/// The angle is taken with atan2 rather than acos(c/√(ab)): acos loses half the digits near
/// ρ = ±1 (its derivative is infinite there), atan2 does not. ab − c² is formed as
/// (√(ab) − c)(√(ab) + c) and clipped at 0, which is the same as clipping ρ to [−1, 1].
enum ReLUDual: DualActivation {
    /// √a.
    @inline(__always) static func prepare(_ a: Double) -> Double { a.squareRoot() }

    @inline(__always)
    static func dual(_ pa: Double, _ pb: Double, _ c: Double) -> (Double, Double) {
        let rab = pa * pb
        let disc = Swift.max((rab - c) * (rab + c), 0)
        let s = disc.squareRoot()
        let piMinusPhi = Double.pi - atan2(s, c)
        let inv2pi = 0.15915494309189535   // 1/(2π)
        return ((s + piMinusPhi * c) * inv2pi, piMinusPhi * inv2pi)
    }

    /// φ = 0 on the diagonal: E[relu(u)²] = a/2 and E[1{u>0}] = 1/2 exactly.
    @inline(__always) static func diagonal(_ a: Double) -> (Double, Double) { (0.5 * a, 0.5) }
}
