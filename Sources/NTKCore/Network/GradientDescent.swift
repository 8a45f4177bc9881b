import Foundation

/// Full-batch gradient descent for an `MLP`'s architecture on raw row-major buffers in
/// precision `T`: the one loop behind both `MLP.train` overloads (float64 on the network's own
/// storage, float32 on a rounded copy).
struct GradientDescent<T: BLASScalar> {
    let widths: [Int]
    let activation: Activation
    let beta: Double
    /// s_ℓ, the factor multiplying W(ℓ)α(ℓ) (always computed in float64).
    let weightScales: [Double]
    /// W(ℓ) as n_{ℓ+1}×n_ℓ row-major buffers.
    var weights: [[T]]
    /// b(ℓ), each of length n_{ℓ+1}.
    var biases: [[T]]

    /// The architecture of `net` with the given parameter buffers.
    init(_ net: MLP, weights: [[T]], biases: [[T]]) {
        widths = net.widths
        activation = net.activation
        beta = net.beta
        weightScales = (0..<net.depth).map(net.weightScale)
        self.weights = weights
        self.biases = biases
    }

    /// z ← s·a·Wᵀ + β·1·bᵀ for `rows` inputs: one gemm plus a bias sweep (shared with
    /// `MLP.forwardPass`, so training and evaluation compute a layer the same way).
    static func affine(_ a: UnsafeBufferPointer<T>, _ w: UnsafeBufferPointer<T>, _ b: UnsafeBufferPointer<T>,
                       rows: Int, inputs: Int, outputs: Int, scale: Double, beta: Double,
                       into z: UnsafeMutableBufferPointer<T>) {
        guard rows > 0, outputs > 0 else { return }
        T.gemm(.none, .transpose, m: rows, n: outputs, k: inputs, alpha: T(scale), a.baseAddress!, lda: inputs,
               w.baseAddress!, ldb: inputs, beta: 0, z.baseAddress!, ldc: outputs)
        let bt = T(beta)
        for i in 0..<rows {
            let base = i * outputs
            for k in 0..<outputs { z[base + k] += bt * b[k] }
        }
    }

    /// Runs `steps` steps on the N = `count` inputs `x` (N×n0) and targets `y` (N×nL).
    ///
    /// `onStep(progress, &weights, &biases)` is called with θ_k before step k+1 for
    /// k = 0…steps; returning `.stop` ends the run there. The loss is summed in float64.
    ///
    /// - Throws: `TrainingError.diverged(step:loss:)` when the loss is NaN or ±∞.
    mutating func run(inputs x: [T], targets y: [T], count n: Int, steps: Int, learningRate: Double,
                      onStep: (TrainingProgress, inout [[T]], inout [[T]]) throws -> TrainingControl) throws -> TrainingReport {
        let L = widths.count - 1
        precondition(n >= 1 && x.count == n * widths[0] && y.count == n * widths[L])
        // Workspace: pre[ℓ], act[ℓ] (ℓ = 1…L) and delta[ℓ] (ℓ = 1…L), allocated once.
        var pre = [x], act = [x], delta = [[T]()]
        for l in 1...L {
            pre.append([T](repeating: 0, count: n * widths[l]))
            act.append(l < L ? [T](repeating: 0, count: n * widths[l]) : [])
            delta.append([T](repeating: 0, count: n * widths[l]))
        }
        let ones = [T](repeating: 1, count: n)
        var losses = [Double]()
        var stopped = false
        var k = 0
        while true {
            // Forward.
            for l in 0..<L {
                let input = act[l]
                input.withUnsafeBufferPointer { pa in
                    weights[l].withUnsafeBufferPointer { pw in
                        biases[l].withUnsafeBufferPointer { pb in
                            pre[l + 1].withUnsafeMutableBufferPointer { pz in
                                Self.affine(pa, pw, pb, rows: n, inputs: widths[l], outputs: widths[l + 1],
                                            scale: weightScales[l], beta: beta, into: pz)
                            }
                        }
                    }
                }
                if l + 1 < L {
                    pre[l + 1].withUnsafeBufferPointer { pz in
                        act[l + 1].withUnsafeMutableBufferPointer { pa in activation.apply(pz, into: pa) }
                    }
                }
            }
            // Residual R = f − y into delta[L]; loss = ‖R‖²/(2N).
            var sq = 0.0
            pre[L].withUnsafeBufferPointer { pf in
                y.withUnsafeBufferPointer { py in
                    delta[L].withUnsafeMutableBufferPointer { pr in
                        for i in 0..<pr.count {
                            let r = pf[i] - py[i]
                            pr[i] = r
                            sq += Double(r) * Double(r)
                        }
                    }
                }
            }
            let loss = sq / (2 * Double(n))
            guard loss.isFinite else { throw TrainingError.diverged(step: k, loss: loss) }
            losses.append(loss)
            if try onStep(TrainingProgress(step: k, time: Double(k) * learningRate, loss: loss),
                          &weights, &biases) == .stop {
                stopped = true
                break
            }
            if k == steps { break }
            // Backward with in-place updates: δ(ℓ) is formed with the old W(ℓ) before W(ℓ) moves.
            let scale = -learningRate / Double(n)
            for l in stride(from: L - 1, through: 0, by: -1) {
                let dOut = delta[l + 1], input = act[l]
                let nIn = widths[l], nOut = widths[l + 1]
                dOut.withUnsafeBufferPointer { pd in
                    if l >= 1 {
                        weights[l].withUnsafeBufferPointer { pw in
                            delta[l].withUnsafeMutableBufferPointer { pn in
                                T.gemm(.none, .none, m: n, n: nIn, k: nOut, alpha: T(weightScales[l]),
                                       pd.baseAddress!, lda: nOut, pw.baseAddress!, ldb: nIn,
                                       beta: 0, pn.baseAddress!, ldc: nIn)
                            }
                        }
                        delta[l].withUnsafeMutableBufferPointer { pn in
                            pre[l].withUnsafeBufferPointer { pz in activation.multiplyByDerivative(pn, at: pz) }
                        }
                    }
                    input.withUnsafeBufferPointer { pa in
                        weights[l].withUnsafeMutableBufferPointer { pw in
                            T.gemm(.transpose, .none, m: nOut, n: nIn, k: n, alpha: T(scale * weightScales[l]),
                                   pd.baseAddress!, lda: nOut, pa.baseAddress!, ldb: nIn,
                                   beta: 1, pw.baseAddress!, ldc: nIn)
                        }
                    }
                    ones.withUnsafeBufferPointer { po in
                        biases[l].withUnsafeMutableBufferPointer { pb in
                            T.gemv(.transpose, rows: n, columns: nOut, alpha: T(scale * beta), pd.baseAddress!,
                                   po.baseAddress!, beta: 1, pb.baseAddress!)
                        }
                    }
                }
            }
            k += 1
        }
        return TrainingReport(losses: losses, stepsTaken: k, stoppedByCallback: stopped)
    }
}
