import Foundation

/// Which view of a multi-output empirical NTK to return.
public enum EmpiricalNTKMode: String, Sendable, CaseIterable {
    /// The full (N1·O)×(N2·O) kernel J(X1)J(X2)ᵀ. Row i·O + o is output o of input i, so the
    /// infinite-width limit reads Θ∞ ⊗ I_O (Kronecker with the identity on the right).
    case full
    /// Σ_o Θ_oo(x, x'): the trace over outputs, N1×N2 (equals O·Θ∞ in the limit).
    case trace
    /// The pNTK of Mohamadi, Bae & Sutherland (2023): (1/O)·1ᵀΘ(x,x')1, the NTK of Σ_j f_j/√O,
    /// N1×N2 (equals Θ∞ in the limit; docs/SPEC.md §3.3).
    case pntk
}

/// Which parameters the empirical NTK differentiates by. The network function is the same in
/// both; only the gradients, hence the kernel, differ (docs/SPEC.md §3.3).
public enum TangentParametrization: String, Sendable, CaseIterable {
    /// Gradients with respect to the stored W(ℓ), b(ℓ) ~ N(0, 1): the NTK parametrisation of
    /// Jacot et al., Θ = Σ_ℓ (s_ℓ²·α(ℓ)α(ℓ)ᵀ + β²) ⊙ δ(ℓ+1)δ(ℓ+1)ᵀ.
    case ntk
    /// Gradients with respect to W_SP(ℓ) = s_ℓ·W(ℓ) (≈ N(0, 1/n_ℓ), LeCun initialisation) and
    /// b_SP(ℓ) = β·b(ℓ): the standard parametrisation of the same function. By the chain rule
    /// ∂f/∂W_SP = ∂f/∂W / s_ℓ and ∂f/∂b_SP = ∂f/∂b / β, so each layer's weight term is divided by
    /// s_ℓ² (≈ multiplied by n_ℓ) and its bias term by β²: Θ = Σ_ℓ (α(ℓ)α(ℓ)ᵀ + 1) ⊙ δ(ℓ+1)δ(ℓ+1)ᵀ.
    case standard
}

extension MLP {
    /// The empirical NTK Θ(θ)(x, x') = Σ_p ∂_p f(x) ∂_p f(x')ᵀ on inputs `x1` and `x2`
    /// (`x2 == nil` means x2 = x1 and exploits symmetry), computed with the layerwise structured
    /// formula of docs/SPEC.md §1.2 and never by materialising the Jacobian:
    ///
    /// ```
    /// Θ = Σ_{ℓ=0}^{L−1} (s_ℓ²·α(ℓ)α(ℓ)ᵀ + β²) ⊙ δ(ℓ+1)δ(ℓ+1)ᵀ
    /// ```
    ///
    /// with s_ℓ² = 1/n_ℓ in the paper's parametrisation (`parametrization: .ntk`); with
    /// `.standard` the gradients are taken with respect to the standard-parametrisation weights
    /// of the same function, and the bracket becomes α(ℓ)α(ℓ)ᵀ + 1. Each Gram is one gemm (dsyrk when
    /// x2 is nil); δ(ℓ) comes from one backprop gemm per layer, for all outputs at once.
    ///
    /// - Complexity: forward and backward passes (≈ 2·(O+1)·N·Σ n_ℓn_{ℓ+1} flops) plus
    ///   L Grams of each kind (N²·n_ℓ flops each when symmetric, times O² for `.full`).
    public func empiricalNTK(_ x1: Matrix, _ x2: Matrix? = nil, mode: EmpiricalNTKMode = .full,
                             parametrization: TangentParametrization = .ntk) -> Matrix {
        let o = outputDimension
        // Output cotangents: identity rows for full/trace, a single 1/√O row for the pNTK.
        func seed(_ n: Int) -> (Matrix, Int) {
            switch mode {
            case .full, .trace:
                var s = Matrix(rows: n * o, columns: o)
                for i in 0..<n { for k in 0..<o { s[i * o + k, k] = 1 } }
                return (s, o)
            case .pntk:
                return (Matrix(rows: n, columns: o, repeating: 1 / Double(o).squareRoot()), 1)
            }
        }
        let pass1 = forwardPass(x1)
        let pass2 = x2.map { forwardPass($0) }
        let n1 = x1.rows, n2 = x2?.rows ?? x1.rows
        let (s1, r) = seed(n1)
        // Signals of the second input set, collected by layer (only when x2 is given).
        var d2 = [Matrix?](repeating: nil, count: depth + 1)
        if let p2 = pass2 {
            backpropagate(p2, cotangent: seed(n2).0, rowsPerInput: r) { l, d in d2[l] = d }
        }
        let outRows = mode == .full ? n1 * o : n1
        let outCols = mode == .full ? n2 * o : n2
        var theta = Matrix(rows: outRows, columns: outCols)
        let standard = parametrization == .standard
        let b2 = standard ? 1 : beta * beta
        backpropagate(pass1, cotangent: s1, rowsPerInput: r) { l, d1 in
            let layer = l - 1                         // parameters W(layer), b(layer)
            let s2 = standard ? 1 : weightScale(layer) * weightScale(layer)
            // α-Gram: s²·α(ℓ)α(ℓ)ᵀ + β² (N1×N2); s² = 1 and β² → 1 in the standard parametrisation.
            let a1 = pass1.activations[layer]
            var ga: Matrix
            if let p2 = pass2 {
                ga = Matrix.product(a1, p2.activations[layer], transB: .transpose, alpha: s2)
            } else {
                ga = Matrix.gram(a1, alpha: s2)
            }
            // δ-Gram. For .trace the R×n signal matrix (rows i·O+k) is read as N×(O·n): the
            // same storage, so Σ_k δ_k δ_kᵀ is a single Gram.
            func view(_ d: Matrix) -> Matrix {
                mode == .trace ? Matrix(rows: d.rows / o, columns: d.columns * o, storage: d.storage) : d
            }
            let gd: Matrix
            if pass2 != nil {
                gd = Matrix.product(view(d1), view(d2[l]!), transB: .transpose)
            } else {
                gd = Matrix.gram(view(d1))
            }
            theta.storage.withUnsafeMutableBufferPointer { pt in
                ga.storage.withUnsafeBufferPointer { pa in
                    gd.storage.withUnsafeBufferPointer { pd in
                        if mode == .full {
                            for i in 0..<n1 { for k in 0..<o {
                                let row = (i * o + k) * outCols
                                for j in 0..<n2 {
                                    let g = pa[i * n2 + j] + b2
                                    for m in 0..<o { pt[row + j * o + m] += g * pd[row + j * o + m] }
                                }
                            } }
                        } else {
                            for e in 0..<pt.count { pt[e] += (pa[e] + b2) * pd[e] }
                        }
                    }
                }
            }
        }
        return theta
    }
}
