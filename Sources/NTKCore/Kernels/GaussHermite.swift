import Foundation

/// Gauss–Hermite quadrature for Gaussian expectations, by the Golub–Welsch algorithm (the
/// nodes are the eigenvalues of the Jacobi matrix of the Hermite polynomials, the weights come
/// from the first components of its eigenvectors; LAPACK dsyevd). Used as an independent check
/// of the closed-form dual activations (as in neural-tangents' `ElementwiseNumerical`).
public struct GaussHermite: Sendable {
    /// Nodes z_k for the probabilists' weight e^{−z²/2}.
    public let nodes: [Double]
    /// Weights w_k with Σ w_k g(z_k) ≈ E_{z~N(0,1)}[g(z)] (Σ w_k = 1).
    public let weights: [Double]

    /// A rule of the given degree (exact for polynomials of degree < 2·degree).
    public init(degree: Int) throws {
        precondition(degree >= 1)
        // Probabilists' Hermite: z·He_k = He_{k+1} + k·He_{k−1}; Jacobi matrix off-diagonal √k.
        var j = Matrix(rows: degree, columns: degree)
        for k in 1..<Swift.max(degree, 1) {
            j[k - 1, k] = Double(k).squareRoot()
            j[k, k - 1] = Double(k).squareRoot()
        }
        let e = try j.symmetricEigen()
        nodes = e.values
        weights = (0..<degree).map { e.vectors[0, $0] * e.vectors[0, $0] }
    }

    /// E[g(u, v)] for (u, v) ~ N(0, [[a, c], [c, b]]), via u = √a·z1, v = (c/√a)·z1 + √(b − c²/a)·z2.
    public func expectation(a: Double, b: Double, c: Double, _ g: (Double, Double) -> Double) -> Double {
        let ra = a.squareRoot()
        let m = c / ra
        let r = Swift.max(b - m * m, 0).squareRoot()
        var s = 0.0
        for p in 0..<nodes.count {
            let u = ra * nodes[p]
            for q in 0..<nodes.count {
                s += weights[p] * weights[q] * g(u, m * nodes[p] + r * nodes[q])
            }
        }
        return s
    }
}
