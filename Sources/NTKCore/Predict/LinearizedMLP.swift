import Foundation

/// The network linearised around its initial parameters θ0 (Lee et al. 2019, eq. (5);
/// docs/SPEC.md §3.1):
///
/// ```
/// f_lin(x; θ) = f0(x) + ∇_θ f0(x)·(θ − θ0)
/// ```
///
/// Outputs use a forward-mode Jacobian–vector product; training is full-batch gradient
/// descent on (1/2N)Σ‖f_lin − y‖² in parameter space, whose gradient J(X)ᵀ(f_lin − Y)/N is a
/// backprop through the *initial* network. In function space this is exactly
/// f_{k+1} = f_k − (η/N)Θ0(·,X)(f_k(X) − Y), the closed form of `GradientFlow` with `.steps`.
public struct LinearizedMLP: Sendable {
    /// The network at θ0.
    public let base: MLP
    /// θ − θ0.
    public var displacement: ParameterVector

    public init(base: MLP) {
        self.base = base
        displacement = ParameterVector(zerosLike: base)
    }

    /// f_lin(x) for the N×n0 inputs `x`.
    public func callAsFunction(_ x: Matrix) -> Matrix {
        let pass = base.forwardPass(x)
        return pass.outputs + base.jvp(pass, tangent: displacement)
    }

    /// One gradient-descent step θ ← θ − η·J(X)ᵀ(f_lin(X) − Y)/N; returns the loss before it.
    @discardableResult
    public mutating func step(inputs x: Matrix, targets y: Matrix, learningRate: Double = 1) -> Double {
        let pass = base.forwardPass(x)
        var r = pass.outputs + base.jvp(pass, tangent: displacement) - y
        let loss = r.storage.reduce(0) { $0 + $1 * $1 } / (2 * Double(x.rows))
        r.scale(by: 1 / Double(x.rows))
        displacement.axpy(-learningRate, base.vjp(pass, cotangent: r))
        return loss
    }
}
