import Foundation

/// The entrywise nonlinearity σ of the hidden layers (Jacot et al. 2018, §2: α(ℓ) = σ(α̃(ℓ))).
/// The output layer never has a nonlinearity (docs/SPEC.md §1.1).
public enum Activation: String, Sendable, CaseIterable, CustomStringConvertible {
    /// σ(z) = max(0, z), σ'(z) = 1{z > 0}.
    case relu
    /// σ(z) = erf(z), σ'(z) = (2/√π)·exp(−z²).
    case erf
    /// σ(z) = z (a deep linear network).
    case identity

    public var description: String { rawValue }

    /// σ(z).
    @inlinable
    public func callAsFunction(_ z: Double) -> Double {
        switch self {
        case .relu: return z > 0 ? z : 0
        case .erf: return Foundation.erf(z)
        case .identity: return z
        }
    }

    /// σ'(z). For ReLU the derivative at 0 is taken as 0.
    @inlinable
    public func derivative(_ z: Double) -> Double {
        switch self {
        case .relu: return z > 0 ? 1 : 0
        case .erf: return 1.1283791670955126 * Foundation.exp(-z * z)   // 2/√π
        case .identity: return 1
        }
    }

    /// out[k] = σ(z[k]) over whole buffers, in either BLAS precision (a tight loop the compiler
    /// can vectorise for ReLU).
    func apply<T: BLASScalar>(_ z: UnsafeBufferPointer<T>, into out: UnsafeMutableBufferPointer<T>) {
        let n = z.count
        switch self {
        case .relu: for k in 0..<n { out[k] = Swift.max(z[k], 0) }
        case .erf: for k in 0..<n { out[k] = T.erf(z[k]) }
        case .identity: for k in 0..<n { out[k] = z[k] }
        }
    }

    /// g[k] ← g[k]·σ'(z[k]): the backprop step through the nonlinearity.
    func multiplyByDerivative<T: BLASScalar>(_ g: UnsafeMutableBufferPointer<T>, at z: UnsafeBufferPointer<T>) {
        let n = g.count
        switch self {
        case .relu: for k in 0..<n { g[k] = z[k] > 0 ? g[k] : 0 }
        case .erf:
            let c = T(1.1283791670955126)   // 2/√π
            for k in 0..<n { g[k] *= c * T.exp(-z[k] * z[k]) }
        case .identity: break
        }
    }
}
