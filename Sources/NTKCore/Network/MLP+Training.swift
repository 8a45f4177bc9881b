import Foundation

/// Progress of full-batch gradient descent, passed to the per-step callback.
public struct TrainingProgress: Sendable {
    /// Number of steps taken so far (0 = at initialisation).
    public let step: Int
    /// Time t = step × learning rate (Jacot et al. 2018, §5: "t = 200" means 200 steps at lr 1).
    public let time: Double
    /// The paper's cost C = (1/2N)Σ_i‖f(x_i) − y_i‖² at the current parameters.
    public let loss: Double
}

/// Whether training should go on after a callback.
public enum TrainingControl: Sendable {
    case proceed, stop
}

/// Errors raised by training.
public enum TrainingError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The loss became NaN or infinite at the given step.
    case diverged(step: Int, loss: Double)
    /// Inputs and targets do not fit the network.
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case .diverged(let step, let loss):
            return "training diverged at step \(step): loss is \(loss)"
        case .shapeMismatch(let what):
            return "shape mismatch: \(what)"
        }
    }
}

/// What a training run did.
public struct TrainingReport: Sendable {
    /// Loss at steps 0…stepsTaken.
    public var losses: [Double]
    /// Number of gradient steps taken.
    public var stepsTaken: Int
    /// True when the callback stopped the run early.
    public var stoppedByCallback: Bool
}

extension MLP {
    /// Full-batch gradient descent on C = (1/2N)Σ‖f(x_i) − y_i‖² (PAPER-SPEC §1.2), in place:
    /// θ ← θ − η∇_θC for `steps` steps.
    ///
    /// `onStep` is called with the parameters θ_k before step k+1 for k = 0…steps (so at
    /// k = steps it sees the trained network); returning `.stop` ends training there. The
    /// network passed to the callback is `self` at that moment (for recording kernels).
    ///
    /// Each step is one forward gemm per layer, one backward gemm per hidden layer and one
    /// gradient gemm per layer written straight into W(ℓ) (`beta = 1`,
    /// `alpha = −η·s_ℓ/N`); the buffers are allocated once per call, never per step.
    ///
    /// - Throws: `TrainingError.diverged(step:loss:)` when the loss is NaN or ±∞.
    /// - Complexity: about 6·N·Σ n_ℓ·n_{ℓ+1} flops per step.
    @discardableResult
    public mutating func train(inputs x: Matrix, targets y: Matrix, steps: Int, learningRate: Double = 1,
                               onStep: ((TrainingProgress, MLP) throws -> TrainingControl)? = nil) throws -> TrainingReport {
        guard x.columns == inputDimension else {
            throw TrainingError.shapeMismatch("inputs have \(x.columns) columns, the network expects \(inputDimension)")
        }
        guard y.rows == x.rows, y.columns == outputDimension else {
            throw TrainingError.shapeMismatch("targets are \(y.rows)×\(y.columns), expected \(x.rows)×\(outputDimension)")
        }
        precondition(steps >= 0, "steps must be non-negative")
        let n = x.rows, L = depth
        // Workspace: pre[ℓ], act[ℓ] (ℓ = 1…L) and delta[ℓ] (ℓ = 1…L), allocated once.
        var pre = [x], act = [x], delta = [Matrix(rows: 0, columns: 0)]
        for l in 1...L {
            pre.append(Matrix(rows: n, columns: widths[l]))
            act.append(l < L ? Matrix(rows: n, columns: widths[l]) : Matrix(rows: 0, columns: 0))
            delta.append(Matrix(rows: n, columns: widths[l]))
        }
        let ones = [Double](repeating: 1, count: n)
        var losses = [Double]()
        var stopped = false
        var k = 0
        while true {
            // Forward.
            for l in 0..<L {
                layerForward(l, l == 0 ? x : act[l], into: &pre[l + 1])
                if l + 1 < L {
                    pre[l + 1].storage.withUnsafeBufferPointer { pz in
                        act[l + 1].storage.withUnsafeMutableBufferPointer { pa in activation.apply(pz, into: pa) }
                    }
                }
            }
            // Residual R = f − y into delta[L]; loss = ‖R‖²/(2N).
            var sq = 0.0
            pre[L].storage.withUnsafeBufferPointer { pf in
                y.storage.withUnsafeBufferPointer { py in
                    delta[L].storage.withUnsafeMutableBufferPointer { pr in
                        for i in 0..<pr.count { let r = pf[i] - py[i]; pr[i] = r; sq += r * r }
                    }
                }
            }
            let loss = sq / (2 * Double(n))
            guard loss.isFinite else { throw TrainingError.diverged(step: k, loss: loss) }
            losses.append(loss)
            if let cb = onStep,
               try cb(TrainingProgress(step: k, time: Double(k) * learningRate, loss: loss), self) == .stop {
                stopped = true
                break
            }
            if k == steps { break }
            // Backward with in-place updates: δ(ℓ) is formed with the old W(ℓ) before W(ℓ) moves.
            let scale = -learningRate / Double(n)
            for l in stride(from: L - 1, through: 0, by: -1) {
                if l >= 1 {
                    Matrix.gemm(delta[l + 1], weights[l], alpha: weightScale(l), beta: 0, into: &delta[l])
                    delta[l].storage.withUnsafeMutableBufferPointer { pd in
                        pre[l].storage.withUnsafeBufferPointer { pz in activation.multiplyByDerivative(pd, at: pz) }
                    }
                }
                Matrix.gemm(delta[l + 1], l == 0 ? x : act[l], transA: .transpose,
                            alpha: scale * weightScale(l), beta: 1, into: &weights[l])
                Matrix.gemv(delta[l + 1], .transpose, ones, alpha: scale * beta, beta: 1, into: &biases[l])
            }
            k += 1
        }
        return TrainingReport(losses: losses, stepsTaken: k, stoppedByCallback: stopped)
    }

    /// The paper's cost (1/2N)Σ‖f(x_i) − y_i‖² on the given data.
    public func loss(inputs x: Matrix, targets y: Matrix) -> Double {
        let f = self(x)
        var s = 0.0
        for i in 0..<f.storage.count { let r = f.storage[i] - y.storage[i]; s += r * r }
        return s / (2 * Double(x.rows))
    }
}
