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
        let f = pass.outputs + base.jvp(pass, tangent: displacement)
        let loss = paperCost(outputs: f, targets: y)
        var r = f - y
        r.scale(by: 1 / Double(x.rows))
        displacement.axpy(-learningRate, base.vjp(pass, cotangent: r))
        return loss
    }
}

extension LinearizedMLP {
    /// The linearised network after gradient descent on (1/2N)Σ‖f_lin − y‖², in closed form
    /// (Lee et al. 2019, eq. (10); source 003 eqs. 13 and 16; docs/SPEC.md §3.1):
    ///
    /// ```
    /// θ_t − θ0 = ∇θf0(X)ᵀ Θ0⁻¹(I − e^{−At})(Y − f0(X)),   A = ηΘ0/N
    /// ```
    ///
    /// with (I − A)^k for `.steps(k)`, which is then exactly what k calls of `step` reach. The
    /// displacement is one vector–Jacobian product of the N coefficients Θ0⁻¹(I − e^{−At})(Y − f0(X)).
    ///
    /// - Parameters:
    ///   - flow: `GradientFlow(kTrainTrain: base.empiricalNTK(x), learningRate: η)`, factorised
    ///     once and shared by every time point.
    ///   - pass: `base.forwardPass(x)` (shared likewise).
    public static func closedForm(base: MLP, inputs x: Matrix, targets y: Matrix, pass: ForwardPass,
                                  flow: GradientFlow, at time: FlowTime) throws -> LinearizedMLP {
        guard flow.trainSize == x.rows, pass.outputs.rows == x.rows else {
            throw PredictionError.shapeMismatch("flow on \(flow.trainSize) inputs, forward pass on \(pass.outputs.rows), inputs \(x.rows)")
        }
        // Θ0⁻¹(I − e^{−At}) applied to the initial train residual Y − f0(X).
        let gain = try flow.transferMatrix(at: time, kTestTrain: Matrix.identity(x.rows))
        let coefficients = Matrix.product(gain, y - pass.outputs)
        var lin = LinearizedMLP(base: base)
        lin.displacement = base.vjp(pass, cotangent: coefficients)
        return lin
    }

    /// The full network evaluated at the linearised model's parameters θ0 + (θ − θ0): what
    /// source 003's Fig. 4 calls the "full model" (its eq. 14). It is not a network trained by
    /// gradient descent, and it does not interpolate the training points at finite width.
    public var networkAtLinearParameters: MLP {
        var net = base
        for l in 0..<net.depth {
            net.weights[l].axpy(1, displacement.weights[l])
            BLAS.axpy(1, displacement.biases[l], &net.biases[l])
        }
        return net
    }
}
