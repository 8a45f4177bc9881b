/// The pair of infinite-width kernels of a network on inputs X1 (N1 rows) and X2 (N2 rows),
/// in the style of neural-tangents' `Kernel` value.
public struct Kernel: Sendable {
    /// NNGP kernel Σ(L)(X1, X2), N1×N2: the covariance of the output GP at initialisation
    /// (Jacot et al. 2018, Prop. 1).
    public var nngp: Matrix
    /// Neural tangent kernel Θ∞(L)(X1, X2), N1×N2 (Jacot et al. 2018, Thm 1).
    public var ntk: Matrix

    public init(nngp: Matrix, ntk: Matrix) {
        self.nngp = nngp
        self.ntk = ntk
    }
}
