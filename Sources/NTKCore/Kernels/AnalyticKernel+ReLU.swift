import Foundation

/// ReLU arc-cosine closed forms (Cho & Saul 2009; docs/SPEC.md §1.4). With Λ = [[a, c], [c, b]]
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
        let piMinusPhi = Double.pi - angle(s, c)
        let inv2pi = 0.15915494309189535   // 1/(2π)
        return ((s + piMinusPhi * c) * inv2pi, piMinusPhi * inv2pi)
    }

    /// atan2(s, c) for s ≥ 0, i.e. the angle φ ∈ [0, π], inlined: the Cephes atan reduction
    /// (|x| ≤ tan(π/8) after the π/4 and π/2 shifts) with its degree-4/5 rational
    /// approximation, accurate to a few ulps like libm's atan2, but without the call and
    /// special-case overhead, which dominated the elementwise pass (3 calls per entry at L = 4).
    /// Checked against Foundation's atan2 in `AnalyticKernelTests`.
    @inline(__always)
    static func angle(_ s: Double, _ c: Double) -> Double {
        let ac = Swift.abs(c)
        // Branch-free (selects), so that a loop over many entries can overlap or vectorise.
        let big = s > 2.414213562373095 * ac       // φ' > 3π/8: atan(s/ac) = π/2 − atan(ac/s)
        let mid = s > 0.66 * ac                    // φ' > ~0.58: atan = π/4 + atan((s−ac)/(s+ac))
        let num = big ? -ac : (mid ? s - ac : s)
        let den = big ? s : (mid ? s + ac : ac)
        let y0 = big ? 1.5707963267948966 : (mid ? 0.7853981633974483 : 0)
        let more = big ? 6.123233995736766e-17 : (mid ? 3.061616997868383e-17 : 0)
        let x = num / (den > 0 ? den : 1)          // den = 0 only when s = ac = 0 (then num = 0)
        let z = x * x
        let p = (((-8.750608600031904122785e-1 * z - 1.615753718733365076637e1) * z
                  - 7.500855792314704667340e1) * z - 1.228866684490136173410e2) * z - 6.485021904942025371773e1
        let q = ((((z + 2.485846490142306297962e1) * z + 1.650270098316988542046e2) * z
                  + 4.328810604912902668951e2) * z + 4.853903996359136964868e2) * z + 1.945506571482613964425e2
        let theta = y0 + (x + x * (z * p / q) + more)
        return c < 0 ? Double.pi - theta : theta
    }

    /// φ = 0 on the diagonal: E[relu(u)²] = a/2 and E[1{u>0}] = 1/2 exactly.
    @inline(__always) static func diagonal(_ a: Double) -> (Double, Double) { (0.5 * a, 0.5) }
}
