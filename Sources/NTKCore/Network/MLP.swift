import Foundation

/// A fully connected network in the NTK parametrisation (Jacot, Gabriel & Hongler 2018, §2):
///
/// ```
/// α(0) = x
/// α̃(ℓ+1) = s_ℓ·W(ℓ)α(ℓ) + β·b(ℓ),   s_ℓ = σ_w/√n_ℓ  (paper)  or  σ_w√(1−β²)/√n_ℓ  (authors' code)
/// α(ℓ) = σ(α̃(ℓ))                      (hidden layers only)
/// f_θ(x) = α̃(L)(x)
/// ```
///
/// `L = depth` counts weight layers, so L = 4 has 3 hidden layers (docs/SPEC.md §1.1). Weights
/// W(ℓ) are stored as n_{ℓ+1}×n_ℓ matrices and inputs as N×n0 matrices (one row per input), so
/// a batched layer is one gemm: α̃(ℓ+1) = s_ℓ·α(ℓ)W(ℓ)ᵀ + β·1b(ℓ)ᵀ.
public struct MLP: Sendable {
    /// Layer widths n0 (input), n1, …, n_{L−1} (hidden), nL (outputs).
    public let widths: [Int]
    /// The hidden-layer nonlinearity σ.
    public let activation: Activation
    /// The bias scale β (0.1 in every experiment of the paper).
    public let beta: Double
    /// Paper or authors'-code scaling of the weight term.
    public let parametrization: Parametrization
    /// Weight scale σ_w (neural-tangents' `W_std`) multiplying every s_ℓ; 1 in the paper.
    public let weightStd: Double
    /// W(ℓ), ℓ = 0…L−1, each n_{ℓ+1}×n_ℓ.
    public var weights: [Matrix]
    /// b(ℓ), ℓ = 0…L−1, each of length n_{ℓ+1}.
    public var biases: [[Double]]

    /// Number of weight layers L.
    public var depth: Int { widths.count - 1 }
    /// Input dimension n0.
    public var inputDimension: Int { widths[0] }
    /// Output dimension nL.
    public var outputDimension: Int { widths[widths.count - 1] }
    /// Number of parameters P = Σ_ℓ (n_ℓ + 1)·n_{ℓ+1}.
    public var parameterCount: Int { (0..<depth).reduce(0) { $0 + (widths[$1] + 1) * widths[$1 + 1] } }

    /// The factor s_ℓ multiplying W(ℓ)α(ℓ).
    @inlinable
    public func weightScale(_ layer: Int) -> Double {
        (weightStd * weightStd * parametrization.weightVariance(beta: beta) / Double(widths[layer])).squareRoot()
    }

    /// A network with the given widths and parameters drawn iid N(0,1) from `rng`.
    ///
    /// Draw order: for ℓ = 0…L−1, W(ℓ) row by row, then b(ℓ). The same generator state gives
    /// the same network on every machine.
    public init<G: RandomNumberGenerator>(widths: [Int], activation: Activation = .relu, beta: Double = 0.1,
                                          parametrization: Parametrization = .paper, weightStd: Double = 1,
                                          using rng: inout G) {
        precondition(widths.count >= 2, "an MLP needs at least one weight layer (depth ≥ 1)")
        precondition(widths.allSatisfy { $0 >= 1 }, "every layer width must be at least 1, got \(widths)")
        self.widths = widths
        self.activation = activation
        self.beta = beta
        self.parametrization = parametrization
        self.weightStd = weightStd
        var w = [Matrix](), b = [[Double]]()
        for l in 0..<(widths.count - 1) {
            w.append(Gaussian.matrix(rows: widths[l + 1], columns: widths[l], using: &rng))
            b.append(Gaussian.sample(count: widths[l + 1], using: &rng))
        }
        weights = w
        biases = b
    }

    /// A network of depth L with equal hidden widths: widths = [n0, width × (L−1), outputs],
    /// initialised from `SeededGenerator(seed:)`.
    public init(inputDimension: Int, width: Int, depth: Int, outputs: Int = 1,
                activation: Activation = .relu, beta: Double = 0.1,
                parametrization: Parametrization = .paper, weightStd: Double = 1, seed: UInt64) {
        precondition(depth >= 1, "depth must be at least 1")
        var rng = SeededGenerator(seed: seed)
        self.init(widths: [inputDimension] + Array(repeating: width, count: depth - 1) + [outputs],
                  activation: activation, beta: beta, parametrization: parametrization, weightStd: weightStd,
                  using: &rng)
    }

    /// A network with explicitly given parameters (shapes are checked).
    public init(widths: [Int], weights: [Matrix], biases: [[Double]], activation: Activation = .relu,
                beta: Double = 0.1, parametrization: Parametrization = .paper, weightStd: Double = 1) {
        precondition(widths.count >= 2 && weights.count == widths.count - 1 && biases.count == weights.count)
        for l in 0..<weights.count {
            precondition(weights[l].rows == widths[l + 1] && weights[l].columns == widths[l]
                         && biases[l].count == widths[l + 1], "parameter shapes do not match widths at layer \(l)")
        }
        self.widths = widths
        self.activation = activation
        self.beta = beta
        self.parametrization = parametrization
        self.weightStd = weightStd
        self.weights = weights
        self.biases = biases
    }

    /// All parameters in draw order (W(0) row-major, b(0), W(1), b(1), …).
    public var flatParameters: [Double] {
        var p = [Double]()
        p.reserveCapacity(parameterCount)
        for l in 0..<depth { p += weights[l].storage; p += biases[l] }
        return p
    }
}

/// The stored quantities of a batched forward pass on N inputs.
public struct ForwardPass: Sendable {
    /// preactivations[ℓ] = α̃(ℓ) as an N×n_ℓ matrix for ℓ = 1…L; preactivations[0] = x.
    public var preactivations: [Matrix]
    /// activations[ℓ] = α(ℓ) for ℓ = 0…L−1 (activations[0] = x); activations[L] = f = α̃(L).
    public var activations: [Matrix]
    /// The network outputs f_θ(x), N×nL.
    public var outputs: Matrix { activations[activations.count - 1] }
}

extension MLP {
    /// Network outputs f_θ(x) for the N×n0 inputs `x` (an N×nL matrix).
    ///
    /// - Complexity: one gemm per layer, 2·N·Σ n_ℓ·n_{ℓ+1} flops.
    public func callAsFunction(_ x: Matrix) -> Matrix { forwardPass(x).outputs }

    /// The batched forward pass, keeping α̃(ℓ) and α(ℓ) for backprop.
    public func forwardPass(_ x: Matrix) -> ForwardPass {
        precondition(x.columns == inputDimension, "inputs have \(x.columns) columns, the network expects \(inputDimension)")
        var pre = [x], act = [x]
        for l in 0..<depth {
            var z = Matrix(rows: x.rows, columns: widths[l + 1])
            layerForward(l, act[l], into: &z)
            var a = z
            if l + 1 < depth {
                z.storage.withUnsafeBufferPointer { pz in
                    a.storage.withUnsafeMutableBufferPointer { pa in activation.apply(pz, into: pa) }
                }
            }
            pre.append(z)
            act.append(a)
        }
        return ForwardPass(preactivations: pre, activations: act)
    }

    /// z ← s_ℓ·a·W(ℓ)ᵀ + β·1·b(ℓ)ᵀ (one gemm plus a bias sweep, the same code training uses).
    func layerForward(_ l: Int, _ a: Matrix, into z: inout Matrix) {
        precondition(a.columns == widths[l] && z.rows == a.rows && z.columns == widths[l + 1])
        a.storage.withUnsafeBufferPointer { pa in
            weights[l].storage.withUnsafeBufferPointer { pw in
                biases[l].withUnsafeBufferPointer { pb in
                    z.storage.withUnsafeMutableBufferPointer { pz in
                        GradientDescent<Double>.affine(pa, pw, pb, rows: a.rows, inputs: widths[l], outputs: widths[l + 1],
                                                       scale: weightScale(l), beta: beta, into: pz)
                    }
                }
            }
        }
    }

    /// Backprop signals for a set of output cotangents (vector–Jacobian products).
    ///
    /// Row r of `cotangent` (an R×nL matrix) is a covector g on the outputs of input
    /// `r / rowsPerInput`. For ℓ = L, L−1, …, `visit(ℓ, D)` receives D(ℓ) (R×n_ℓ) whose row r is
    /// gᵀ·∂f/∂α̃(ℓ) (the δ(ℓ) of docs/SPEC.md §1.2 contracted with g); D(L) = cotangent.
    /// `visit` is called for ℓ = L down to `lowestLayer`.
    func backpropagate(_ pass: ForwardPass, cotangent: Matrix, rowsPerInput: Int, lowestLayer: Int = 1,
                       _ visit: (Int, Matrix) -> Void) {
        precondition(cotangent.columns == outputDimension)
        precondition(cotangent.rows == pass.outputs.rows * rowsPerInput)
        var d = cotangent
        visit(depth, d)
        var l = depth - 1
        while l >= lowestLayer {
            var next = Matrix(rows: d.rows, columns: widths[l])
            Matrix.gemm(d, weights[l], alpha: weightScale(l), into: &next)
            let n = widths[l], r = rowsPerInput
            pass.preactivations[l].storage.withUnsafeBufferPointer { pz in
                next.storage.withUnsafeMutableBufferPointer { pd in
                    for row in 0..<next.rows {
                        let zRow = UnsafeBufferPointer(rebasing: pz[((row / r) * n)..<((row / r) * n + n)])
                        let dRow = UnsafeMutableBufferPointer(rebasing: pd[(row * n)..<(row * n + n)])
                        activation.multiplyByDerivative(dRow, at: zRow)
                    }
                }
            }
            d = next
            visit(l, d)
            l -= 1
        }
    }
}

/// Parameter-shaped values (gradients, parameter displacements), laid out like `MLP`.
public struct ParameterVector: Sendable, Equatable {
    /// One n_{ℓ+1}×n_ℓ matrix per layer.
    public var weights: [Matrix]
    /// One length-n_{ℓ+1} vector per layer.
    public var biases: [[Double]]

    /// Zeros shaped like the parameters of `net`.
    public init(zerosLike net: MLP) {
        weights = net.weights.map { Matrix(rows: $0.rows, columns: $0.columns) }
        biases = net.biases.map { [Double](repeating: 0, count: $0.count) }
    }

    public init(weights: [Matrix], biases: [[Double]]) {
        self.weights = weights
        self.biases = biases
    }

    /// All entries in `MLP.flatParameters` order.
    public var flattened: [Double] {
        var p = [Double]()
        for l in 0..<weights.count { p += weights[l].storage; p += biases[l] }
        return p
    }

    /// self ← self + α·other (daxpy per block).
    public mutating func axpy(_ alpha: Double, _ other: ParameterVector) {
        for l in 0..<weights.count {
            weights[l].axpy(alpha, other.weights[l])
            BLAS.axpy(alpha, other.biases[l], &biases[l])
        }
    }
}

extension MLP {
    /// Σ_i J(x_i)ᵀ g_i: the vector–Jacobian product of the whole batch with output cotangents
    /// `cotangent` (N×nL). With g_i = (f(x_i) − y_i)/N this is ∇_θ of the paper's cost
    /// C = (1/2N)Σ‖f − y‖² (docs/SPEC.md §1.2).
    ///
    /// ∂f/∂W(ℓ) = s_ℓ·δ(ℓ+1)α(ℓ)ᵀ and ∂f/∂b(ℓ) = β·δ(ℓ+1), so the gradient blocks are
    /// s_ℓ·D(ℓ+1)ᵀA(ℓ) (gemm) and β·D(ℓ+1)ᵀ1 (gemv).
    public func vjp(_ pass: ForwardPass, cotangent: Matrix) -> ParameterVector {
        var g = ParameterVector(zerosLike: self)
        let ones = [Double](repeating: 1, count: cotangent.rows)
        backpropagate(pass, cotangent: cotangent, rowsPerInput: 1) { l, d in
            Matrix.gemm(d, pass.activations[l - 1], transA: .transpose, alpha: weightScale(l - 1),
                        beta: 0, into: &g.weights[l - 1])
            Matrix.gemv(d, .transpose, ones, alpha: beta, beta: 0, into: &g.biases[l - 1])
        }
        return g
    }

    /// J(x)·v: the Jacobian–vector product of the outputs with a parameter direction v, for all
    /// N inputs at once (forward-mode tangent propagation, one or two gemms per layer):
    /// ż(ℓ+1) = s_ℓ·(ȧ(ℓ)W(ℓ)ᵀ + a(ℓ)V_W(ℓ)ᵀ) + β·v_b(ℓ),   ȧ(ℓ) = σ'(α̃(ℓ)) ⊙ ż(ℓ),   ȧ(0) = 0.
    public func jvp(_ pass: ForwardPass, tangent v: ParameterVector) -> Matrix {
        let n = pass.outputs.rows
        var adot = Matrix(rows: n, columns: widths[0])
        var zdot = adot
        for l in 0..<depth {
            zdot = Matrix(rows: n, columns: widths[l + 1])
            Matrix.gemm(pass.activations[l], v.weights[l], transB: .transpose, alpha: weightScale(l), into: &zdot)
            if l > 0 {
                Matrix.gemm(adot, weights[l], transB: .transpose, alpha: weightScale(l), beta: 1, into: &zdot)
            }
            for i in 0..<n { for k in 0..<widths[l + 1] { zdot[i, k] += beta * v.biases[l][k] } }
            if l + 1 < depth {
                adot = zdot
                adot.storage.withUnsafeMutableBufferPointer { pd in
                    pass.preactivations[l + 1].storage.withUnsafeBufferPointer { pz in
                        activation.multiplyByDerivative(pd, at: pz)
                    }
                }
            }
        }
        return zdot
    }
}
