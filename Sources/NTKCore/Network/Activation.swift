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

    /// out[k] = σ(z[k]) over whole buffers, in either BLAS precision, in chunks on all workers
    /// (ReLU through the branch-free C loop of `_KernelSIMD`).
    func apply<T: BLASScalar>(_ z: UnsafeBufferPointer<T>, into out: UnsafeMutableBufferPointer<T>) {
        let zp = SendablePointer(z)
        let op = SendablePointer(out)
        let activation = self
        Activation.inChunks(z.count) { r in
            let z = zp.base, out = op.base
            switch activation {
            case .relu: T.reluForward(z + r.lowerBound, out + r.lowerBound, count: r.count)
            case .erf: for k in r { out[k] = T.erf(z[k]) }
            case .identity: for k in r { out[k] = z[k] }
            }
        }
    }

    /// g[k] ← g[k]·σ'(z[k]): the backprop step through the nonlinearity.
    func multiplyByDerivative<T: BLASScalar>(_ g: UnsafeMutableBufferPointer<T>, at z: UnsafeBufferPointer<T>) {
        let gp = SendablePointer(g)
        let zp = SendablePointer(z)
        let activation = self
        Activation.inChunks(g.count) { r in
            let g = gp.base, z = zp.base
            switch activation {
            case .relu: T.reluBackward(g + r.lowerBound, z + r.lowerBound, count: r.count)
            case .erf:
                let c = T(1.1283791670955126)   // 2/√π
                for k in r { g[k] *= c * T.exp(-z[k] * z[k]) }
            case .identity: break
            }
        }
    }

    /// Runs `body` over 0..<n in chunks of 2¹⁵ entries on `Parallel.workerCount` threads (each
    /// entry is computed on its own, so the result does not depend on the thread count).
    static func inChunks(_ n: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let chunk = 1 << 15
        if n <= chunk { body(0..<n); return }
        Parallel.forEach((n + chunk - 1) / chunk) { c in body((c * chunk)..<Swift.min(n, (c + 1) * chunk)) }
    }
}
