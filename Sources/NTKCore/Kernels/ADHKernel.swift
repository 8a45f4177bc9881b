import Foundation

/// The ReLU NTK in the convention of Arora, Du, Hu, Li, Salakhutdinov & Wang (2019),
/// "On Exact Computation with an Infinitely Wide Neural Net" (docs/SPEC.md §3.2): no biases,
/// weights N(0,1), each post-activation scaled by √(c_σ/d_h) with c_σ = 2 for ReLU:
///
/// ```
/// Σ(0) = x·x',   Σ(h) = c_σ·E[σ(u)σ(v)],   Σ̇(h) = c_σ·E[σ'(u)σ'(v)]
/// Θ(0) = Σ(0),   Θ(h) = Θ(h−1)·Σ̇(h) + Σ(h),   h = 1…H (H hidden layers)
/// ```
///
/// For β = 0 it is related to `AnalyticKernel` by Θ_Jacot(L) = Θ_ADH(H = L−1)/(n0·2^{L−1}).
public enum ADHKernel {
    /// (Σ(H), Θ(H)) for H = `hiddenLayers` ≥ 0 ReLU hidden layers.
    public static func relu(_ x1: Matrix, _ x2: Matrix? = nil, hiddenLayers: Int) -> Kernel {
        precondition(hiddenLayers >= 0)
        let spec = RecursionSpec(inputScale: 1, inputDivideByDimension: false, w2: 2, b2: 0, steps: hiddenLayers)
        return spec.evaluate(.relu, x1, x2)
    }
}

/// The Gram matrix H∞ of Du et al. / Arora, Du, Hu, Li & Wang (ICML 2019), docs/SPEC.md §2f:
///
/// ```
/// H∞(x, x') = E_{w~N(0,I)}[x·x'·1{w·x ≥ 0, w·x' ≥ 0}] = x·x'·(π − φ)/(2π)
/// ```
///
/// with φ the angle between x and x' (atan2 form, see `ReLUDual`). For unit-norm inputs this
/// is x·x'·(π − arccos(x·x'))/(2π). It is the first-layer part of the two-layer ReLU NTK.
public enum AroraKernel {
    /// H∞(X1, X2); `x2 == nil` means X2 = X1.
    public static func hInfinity(_ x1: Matrix, _ x2: Matrix? = nil) -> Matrix {
        // Θ(1) of the ADH recursion with one hidden layer is Σ(0)·Σ̇(1) + Σ(1) with c_σ = 2;
        // H∞ = Σ(0)·E[σ'σ'] = ½·(Θ_ADH(1) − Σ_ADH(1)).
        let k = ADHKernel.relu(x1, x2, hiddenLayers: 1)
        var h = k.ntk - k.nngp
        h.scale(by: 0.5)
        return h
    }
}
