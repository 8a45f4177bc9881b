import Foundation

extension KernelPredictor {
    /// One predictor's part of `infiniteMeans`.
    public struct MeanFit: Sendable {
        public var mode: PredictorKernel
        /// N_test × O mean at t = ∞.
        public var mean: Matrix
        /// The absolute ridge added to the train kernel's diagonal.
        public var ridge: Double
        /// The absolute jitter the Cholesky needed on top of the ridge (0: none).
        public var jitter: Double
        /// Factorisations attempted (one per jitter tried).
        public var attempts: Int
        /// Seconds to build, factorise (every attempt) and solve with the train kernel.
        public var fitSeconds: Double
    }

    /// The t = ∞ means of several predictors (e.g. the NNGP and the NTK-GP) on the same data,
    /// with the packed Cholesky of `predict`. The train kernels are built, factorised and solved
    /// one after the other, each freed before the next, so the peak stays at one packed matrix;
    /// then a single pass over the test set in blocks of `blockRows` evaluates the test–train
    /// kernels once for all of them (one evaluation gives Σ and Θ together). `mode`, `time` and
    /// `packed` of `self` are ignored.
    ///
    /// Progress phases are prefixed with the mode ("nngp: train kernel", "ntk: Cholesky …"); the
    /// shared pass is "test predictions".
    ///
    /// - Returns: one fit per mode (in order) and the seconds of the shared test pass.
    /// - Throws: `PredictionError.shapeMismatch`, `RFPError.notPositiveDefinite`.
    public func infiniteMeans(modes: [PredictorKernel], xTrain x: Matrix, yTrain y: Matrix, xTest xt: Matrix,
                              progress: Progress? = nil) throws -> (fits: [MeanFit], testSeconds: Double) {
        guard x.rows == y.rows else {
            throw PredictionError.shapeMismatch("\(x.rows) train inputs but \(y.rows) train targets")
        }
        guard x.columns == xt.columns else {
            throw PredictionError.shapeMismatch("train inputs have \(x.columns) columns, test inputs \(xt.columns)")
        }
        var fits = [MeanFit]()
        var alphas = [Matrix]()
        let n = x.rows
        for m in modes {
            let start = Date()
            var p = self
            p.mode = m
            let flops = Double(n) * Double(n) * Double(n) / 3
            let phase = "Cholesky of the packed \(n)×\(n) \(m.rawValue.uppercased()) kernel"
                + String(format: " (%.2g flops, ≈ %.0f s at 100 GFLOP/s)", flops, flops / 1e11)
            let f = try p.packedCholesky(x, keepNNGP: false, phase: phase) { progress?("\(m.rawValue): \($0)", $1) }
            alphas.append(try f.cholesky.solve(y))
            fits.append(MeanFit(mode: m, mean: Matrix(rows: xt.rows, columns: y.columns), ridge: f.ridge,
                                jitter: f.cholesky.jitter, attempts: f.cholesky.attempts,
                                fitSeconds: Date().timeIntervalSince(start)))
        }
        let start = Date()
        let o = y.columns
        // Only the kernels some fit uses (one block instead of two when all share a mode).
        let modes = Set(fits.map(\.mode))
        let outputs: KernelOutputs = modes.count > 1 ? .both : (modes.contains(.ntk) ? .ntk : .nngp)
        var i0 = 0
        while i0 < xt.rows {
            let i1 = Swift.min(xt.rows, i0 + blockRows)
            let k = kernel(xt.rows(i0..<i1), x, outputs: outputs)
            for (f, alpha) in zip(fits.indices, alphas) {
                var part = Matrix(rows: i1 - i0, columns: o)
                Matrix.gemm((fits[f].mode == .ntk ? k.ntk : k.nngp)!, alpha, into: &part)
                fits[f].mean.storage.replaceSubrange((i0 * o)..<(i1 * o), with: part.storage)
            }
            progress?("test predictions", Double(i1) / Double(xt.rows))
            i0 = i1
        }
        return (fits, Date().timeIntervalSince(start))
    }
}

/// The resident memory of this process (Linux /proc; getrusage elsewhere).
public enum ResidentMemory {
    /// Peak resident set size so far, bytes (getrusage's ru_maxrss).
    public static func peakBytes() -> Int { KernelPredictor.peakResidentBytes() }

    /// Resets the peak to the current resident size (Linux ≥ 4.0: writes 5 to
    /// /proc/self/clear_refs, which resets VmHWM and ru_maxrss), so that `peakBytes` measures
    /// one phase of a run. Returns false where that is not possible (the peak then stays the
    /// process-lifetime maximum).
    @discardableResult
    public static func resetPeak() -> Bool {
        guard let h = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? h.close() }
        do { try h.write(contentsOf: Data("5".utf8)) } catch { return false }
        return true
    }
}
