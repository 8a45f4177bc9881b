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

/// The arithmetic precision of gradient descent.
public enum TrainingPrecision: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Every product and update in float64, on the network's own storage.
    case float64
    /// Parameters, activations and every product in float32 (OpenBLAS sgemm: Fig. 1's step
    /// takes 0.541 s against 0.817 s in float64, ntk-bench 2026-12-03 14:41, and half the memory traffic);
    /// the loss is summed in float64 and the trained parameters are written back to the
    /// network's float64 storage, so kernels of the trained network are still float64.
    case float32

    public var description: String { rawValue }
}

extension MLP {
    /// Full-batch gradient descent on C = (1/2N)Σ‖f(x_i) − y_i‖² (docs/SPEC.md §1.2), in place:
    /// θ ← θ − η∇_θC for `steps` steps, in float64.
    ///
    /// `onStep` is called with the parameters θ_k before step k+1 for k = 0…steps (so at
    /// k = steps it sees the trained network); returning `.stop` ends training there. The
    /// network passed to the callback is `self` at that moment (for recording kernels).
    ///
    /// Each step is one forward gemm per layer, one backward gemm per hidden layer and one
    /// gradient gemm per layer written straight into W(ℓ) (`beta = 1`,
    /// `alpha = −η·s_ℓ/N`); the buffers are allocated once per call, never per step, and the
    /// parameters are moved (not copied) in and out of the loop.
    ///
    /// - Throws: `TrainingError.diverged(step:loss:)` when the loss is NaN or ±∞.
    /// - Complexity: about 6·N·Σ n_ℓ·n_{ℓ+1} flops per step.
    @discardableResult
    public mutating func train(inputs x: Matrix, targets y: Matrix, steps: Int, learningRate: Double = 1,
                               onStep: ((TrainingProgress, MLP) throws -> TrainingControl)? = nil) throws -> TrainingReport {
        try checkTrainingData(x, y, steps: steps)
        var engine = GradientDescent<Double>(self, weights: [], biases: [])
        // Move the parameter storage into the engine (O(1) swaps, no copy) and back afterwards.
        func exchange(_ w: inout [[Double]], _ b: inout [[Double]]) {
            if w.isEmpty { w = Array(repeating: [], count: depth) }
            for l in 0..<depth { swap(&w[l], &weights[l].storage) }
            swap(&b, &biases)
        }
        exchange(&engine.weights, &engine.biases)
        defer { exchange(&engine.weights, &engine.biases) }
        return try engine.run(inputs: x.storage, targets: y.storage, count: x.rows, steps: steps,
                              learningRate: learningRate) { progress, w, b in
            guard let callback = onStep else { return .proceed }
            exchange(&w, &b)
            defer { exchange(&w, &b) }
            return try callback(progress, self)
        }
    }

    /// Full-batch gradient descent as above, in the chosen arithmetic `precision`.
    ///
    /// With `.float32` the parameters are rounded to float32 once, trained there, and written
    /// back (widened) into `self` when training ends, also when it throws. The callback sees
    /// only the progress, because materialising a float64 network every step would cost more
    /// than the step.
    @discardableResult
    public mutating func train(inputs x: Matrix, targets y: Matrix, steps: Int, learningRate: Double = 1,
                               precision: TrainingPrecision,
                               onStep: ((TrainingProgress) throws -> TrainingControl)? = nil) throws -> TrainingReport {
        switch precision {
        case .float64:
            return try train(inputs: x, targets: y, steps: steps, learningRate: learningRate) { p, _ in
                try onStep?(p) ?? .proceed
            }
        case .float32:
            try checkTrainingData(x, y, steps: steps)
            var engine = GradientDescent<Float>(self, weights: weights.map { $0.storage.map(Float.init) },
                                                biases: biases.map { $0.map(Float.init) })
            defer {
                for l in 0..<depth {
                    engine.weights[l].withUnsafeBufferPointer { src in
                        weights[l].storage.withUnsafeMutableBufferPointer { dst in
                            for i in 0..<dst.count { dst[i] = Double(src[i]) }
                        }
                    }
                    biases[l] = engine.biases[l].map(Double.init)
                }
            }
            return try engine.run(inputs: x.storage.map(Float.init), targets: y.storage.map(Float.init),
                                  count: x.rows, steps: steps, learningRate: learningRate) { p, _, _ in
                try onStep?(p) ?? .proceed
            }
        }
    }

    private func checkTrainingData(_ x: Matrix, _ y: Matrix, steps: Int) throws {
        guard x.columns == inputDimension else {
            throw TrainingError.shapeMismatch("inputs have \(x.columns) columns, the network expects \(inputDimension)")
        }
        guard x.rows >= 1 else { throw TrainingError.shapeMismatch("there are no training inputs") }
        guard y.rows == x.rows, y.columns == outputDimension else {
            throw TrainingError.shapeMismatch("targets are \(y.rows)×\(y.columns), expected \(x.rows)×\(outputDimension)")
        }
        precondition(steps >= 0, "steps must be non-negative")
    }

    /// The paper's cost (1/2N)Σ‖f(x_i) − y_i‖² on the given data.
    public func loss(inputs x: Matrix, targets y: Matrix) -> Double {
        paperCost(outputs: self(x), targets: y)
    }
}

/// The paper's cost C = (1/2N)Σ_i‖f_i − y_i‖² (docs/SPEC.md §1.2) of N×O outputs against
/// targets of the same shape, summed in row-major order.
public func paperCost(outputs f: Matrix, targets y: Matrix) -> Double {
    precondition(f.rows == y.rows && f.columns == y.columns, "outputs and targets differ in shape")
    var s = 0.0
    for i in 0..<f.storage.count { let r = f.storage[i] - y.storage[i]; s += r * r }
    return s / (2 * Double(f.rows))
}
