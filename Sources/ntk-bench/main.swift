// ntk-bench: performance benchmarks of the core (medians of repeated runs after a warm-up).
// Run with `make bench`. Timing is only ever measured here, never asserted in tests.
import ArgumentParser
import Foundation
import NTKCore
import NTKFigures

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ntk-bench",
        abstract: "Benchmarks of the NTK core (median of repeated runs after one warm-up).")

    @Option(help: "Timed repetitions per workload (the median is reported).")
    var repeats: Int = 5

    @Option(help: "OpenBLAS threads (default: OpenBLAS's own choice, normally all cores).")
    var threads: Int?

    @Option(help: "Size n of the n×n dgemm roofline.")
    var gemmSize: Int = 4000

    @Flag(help: "Skip the dgemm roofline.")
    var skipGemm = false

    @Option(help: "Order N of the RFP vs dense Cholesky comparison.")
    var rfpSize: Int = 4000

    @Flag(help: "Only the RFP vs dense Cholesky rows (at --rfp-size).")
    var rfpOnly = false

    @Flag(help: "Analytic kernel at N = 1000 only (a quick smoke run).")
    var quick = false

    @Option(help: "Run only the workloads whose name contains this text (the dgemm roofline always runs, as every bound is taken at its rate).")
    var filter: String?

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        guard gemmSize >= 1 else { throw ValidationError("--gemm-size must be at least 1") }
        guard rfpSize >= 1 else { throw ValidationError("--rfp-size must be at least 1") }
    }

    func run() throws {
        if let t = threads { BLAS.setThreadCount(t) }
        print("BLAS: \(BLAS.libraryDescription); threads \(BLAS.threadCount); ReLU kernel pass \(AnalyticKernel.vectorBits)-bit vectors")
        print("workload".padding(toLength: 44, withPad: " ", startingAt: 0) + "    median s  note")
        var rng = SeededGenerator(seed: 1)
        var gemmRate: Double?
        func wanted(_ name: String) -> Bool { filter.map { name.localizedCaseInsensitiveContains($0) } ?? true }
        func row(_ name: String, _ seconds: Double, _ note: String) {
            print(name.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: " %11.4f  ", seconds) + note)
        }
        /// A workload with a lower bound: its flops at this run's dgemm rate.
        func bounded(_ name: String, _ seconds: Double, flops: Double, bound: String, _ note: String = "") {
            var text = note.isEmpty ? "" : note + "; "
            if let rate = gemmRate {
                text += String(format: "%.2f× its bound (%@ = %.3g flops at %.1f GFLOP/s = %.4f s)",
                               seconds / (flops / rate), bound, flops, rate / 1e9, flops / rate)
            }
            row(name, seconds, text)
        }
        let kernel = AnalyticKernel(depth: 4, activation: .relu, beta: 0.1)
        if !skipGemm {
            let n = gemmSize
            let a = Gaussian.matrix(rows: n, columns: n, using: &rng)
            let b = Gaussian.matrix(rows: n, columns: n, using: &rng)
            var c = Matrix(rows: n, columns: n)
            let t = Timing.median(repeats: repeats) { Matrix.gemm(a, b, into: &c) }
            gemmRate = 2.0 * Double(n) * Double(n) * Double(n) / t
            row("dgemm \(n)×\(n)", t, String(format: "%.1f GFLOP/s (the rate every bound below uses)", gemmRate! / 1e9))
        }
        if rfpOnly {
            try rfpRows(kernel, &rng, row)
            return
        }
        // Analytic NTK, L = 4, ReLU, β = 0.1, N×784 Gaussian inputs. Bound: the dsyrk's N²·d flops.
        for n in analyticSizes where wanted("analytic NTK L=4 relu N=\(n) d=784") {
            let x = Gaussian.matrix(rows: n, columns: 784, using: &rng)
            if n == analyticSizes.last {
                // The product alone, for the split between it and the elementwise pass.
                var g = [Double](repeating: 0, count: n * n)
                let tp = Timing.median(repeats: repeats) {
                    x.storage.withUnsafeBufferPointer { px in
                        g.withUnsafeMutableBufferPointer { pg in
                            Double.syrkUpper(n: n, k: 784, alpha: 1, px.baseAddress!, lda: 784, beta: 0, pg.baseAddress!, ldc: n)
                        }
                    }
                }
                bounded("  of which: the dsyrk x·xᵀ, N=\(n) d=784", tp, flops: Double(n) * Double(n) * 784, bound: "dsyrk N²d",
                        "upper triangle, into memory already touched")
            }
            let t = Timing.median(repeats: repeats) { kernel.ntk(x) }
            bounded("analytic NTK L=4 relu N=\(n) d=784", t, flops: Double(n) * Double(n) * 784, bound: "dsyrk N²d",
                    "Θ only, into a fresh N×N matrix")
            var into = Matrix(rows: n, columns: n)
            let ti = Timing.median(repeats: repeats) { kernel.ntk(x, into: &into) }
            bounded("  Θ into an N×N matrix, N=\(n)", ti, flops: Double(n) * Double(n) * 784, bound: "dsyrk N²d",
                    "memory already touched, as the dsyrk bound's")
            if n == analyticSizes.last {
                let tb = Timing.median(repeats: repeats) { kernel(x) }
                bounded("  Σ and Θ both, N=\(n)", tb, flops: Double(n) * Double(n) * 784, bound: "dsyrk N²d",
                        "two N×N outputs")
            }
        }
        // Empirical NTK, L = 4, one output, N = 1000 inputs in d = 784.
        let xe = Gaussian.matrix(rows: 1000, columns: 784, using: &rng)
        for w in [500, 2000] where wanted("empirical NTK L=4 width=\(w) N=1000") {
            let net = MLP(inputDimension: 784, width: w, depth: 4, outputs: 1, seed: 2)
            let t = Timing.median(repeats: repeats) { net.empiricalNTK(xe) }
            row("empirical NTK L=4 width=\(w) N=1000", t, "")
        }
        // One full-batch GD step, width 500, L = 4, N = 1000, 10 outputs. Bound: its gemms.
        if wanted("GD step L=4 width=500 N=1000 O=10") {
            var net = MLP(inputDimension: 784, width: 500, depth: 4, outputs: 10, seed: 3)
            let y = Gaussian.matrix(rows: 1000, columns: 10, using: &rng)
            // `steps` GD steps per call; report the time per step (setup amortised).
            let steps = 20
            let t = try Timing.median(repeats: repeats) {
                try net.train(inputs: xe, targets: y, steps: steps, learningRate: 1e-3)
            } / Double(steps)
            bounded("GD step L=4 width=500 N=1000 O=10", t, flops: Self.stepFlops(net.widths, inputs: 1000),
                    bound: "forward+backward+update gemms")
        }
        // Fig. 1's hot loop: one GD step at width 10000, L = 4, N = 50 inputs in d = 2, one output.
        // Each step touches the two 10⁴×10⁴ hidden matrices (~6·10¹⁰ flops).
        if !quick {
            for precision in TrainingPrecision.allCases where wanted("Fig. 1 GD step width=10000 N=50, \(precision)") {
                var net = MLP(inputDimension: 2, width: 10000, depth: 4, outputs: 1, seed: 4)
                let x = Gaussian.matrix(rows: 50, columns: 2, using: &rng)
                let y = Gaussian.matrix(rows: 50, columns: 1, using: &rng)
                let steps = 10   // the float32 run converts the parameters once per call
                let t = try Timing.median(repeats: repeats) {
                    try net.train(inputs: x, targets: y, steps: steps, learningRate: 1e-3, precision: precision)
                } / Double(steps)
                let flops = Self.stepFlops(net.widths, inputs: 50)
                if precision == .float64 {
                    bounded("Fig. 1 GD step width=10000 N=50, \(precision)", t, flops: flops, bound: "its gemms",
                            String(format: "%.1f GFLOP/s", flops / t / 1e9))
                } else {
                    row("Fig. 1 GD step width=10000 N=50, \(precision)", t, String(format: "%.1f GFLOP/s", flops / t / 1e9))
                }
            }
        }
        // t = ∞ (ridgeless) prediction: N = 5000 train, 1000 test, 10 outputs, kernels given.
        // Bound: one Cholesky (N³/3), its solve (2N²·10) and the test gemm (2·1000·N·10).
        if wanted("t=∞ prediction N=5000 train, 1000 test") {
            let xt = Gaussian.matrix(rows: 6000, columns: 784, using: &rng)
            let k = kernel(xt).ntk
            let ktt = Matrix(rows: 5000, columns: 5000) { k[$0, $1] }
            let kst = Matrix(rows: 1000, columns: 5000) { k[5000 + $0, $1] }
            let y = Gaussian.matrix(rows: 5000, columns: 10, using: &rng)
            // The train kernel is handed over (`consuming`), as a caller that has just built it
            // does: it is factorised in its own storage. Each repeat gets a fresh copy, made
            // before the clock starts.
            let t = try Timing.median(repeats: repeats, setup: { Matrix(rows: 5000, columns: 5000, storage: ktt.storage.map { $0 }) }) { k in
                let regression = try KernelRegression(consuming: k, yTrain: y)
                return (regression, try regression.predict(kTestTrain: kst))
            }
            let n = 5000.0
            bounded("t=∞ prediction N=5000 train, 1000 test", t, flops: n * n * n / 3 + 2 * n * n * 10 + 2 * 1000 * n * 10,
                    bound: "dpotrf+dpotrs+gemm")
        }
        if filter == nil || wanted("RFP") || wanted("Cholesky") || wanted("ntk predict") { try rfpRows(kernel, &rng, row) }
    }

    /// Flops of one full-batch GD step of an MLP with these widths on `n` inputs: the forward
    /// products, the backward products that form δ(ℓ) for ℓ ≥ 1, and the weight updates.
    static func stepFlops(_ widths: [Int], inputs n: Int) -> Double {
        var f = 0.0
        for l in 0..<(widths.count - 1) {
            let layer = 2 * Double(n) * Double(widths[l]) * Double(widths[l + 1])
            f += layer * (l == 0 ? 2 : 3)     // forward + update (+ backward into layer ℓ ≥ 1)
        }
        return f
    }

    func rfpRows(_ kernel: AnalyticKernel, _ rng: inout SeededGenerator, _ row: (String, Double, String) -> Void) throws {
        // Half-memory exact solve: Cholesky + solve of the same N×N NTK (10 right-hand sides) in
        // RFP format (dpftrf/dpftrs, N(N+1)/2 doubles) against dense dpotrf/dpotrs (N² doubles
        // plus the factor's copy). Packing is not timed; each run factorises a fresh copy.
        let n = rfpSize
        let x = Gaussian.matrix(rows: n, columns: 784, using: &rng)
        let k = kernel(x).ntk
        let y = Gaussian.matrix(rows: n, columns: 10, using: &rng)
        let packed = RFPMatrix(k)
        let tk = Timing.median(repeats: repeats) { kernel(x) }
        let tt = Timing.median(repeats: repeats) { kernel.packedTrainKernels(x, nngp: false, ntk: true) }
        row("train kernel N=\(n) dense (Σ and Θ)", tk, "two N×N matrices")
        row("train kernel N=\(n) tiled into RFP (Θ)", tt, "1024×1024 tiles")
        let td = try Timing.median(repeats: repeats) { () throws -> (Cholesky, Matrix) in let c = try Cholesky(k); return (c, try c.solve(y)) }
        let tp = try Timing.median(repeats: repeats) { () throws -> (RFPCholesky, Matrix) in let c = try RFPCholesky(packed); return (c, try c.solve(y)) }
        let flops = Double(n) * Double(n) * Double(n) / 3
        row("Cholesky+solve N=\(n) dense dpotrf", td,
            String(format: "%.1f GFLOP/s, matrix %@", flops / td / 1e9, MemoryBudget.describe(8 * Double(n) * Double(n))))
        row("Cholesky+solve N=\(n) RFP dpftrf", tp,
            String(format: "%.1f GFLOP/s, matrix %@", flops / tp / 1e9, MemoryBudget.describe(Double(RFPMatrix.bytes(order: n)!))))
        // End to end: `ntk predict`'s t = ∞ path (tiled build into RFP, factor, 1000 test rows).
        let xt = Gaussian.matrix(rows: 1000, columns: 784, using: &rng)
        let predictor = KernelPredictor(kernel: kernel)
        let te = try Timing.median(repeats: repeats) {
            try predictor.predict(xTrain: x, yTrain: y, xTest: xt, covariance: false)
        }
        row("ntk predict t=∞ N=\(n) train, 1000 test", te, "kernel build + RFP Cholesky + row-block test kernels")
    }

    var analyticSizes: [Int] { quick ? [1000] : [1000, 5000, 10000] }

    func target(_ seconds: Double?) -> String {
        guard let s = seconds else { return "" }
        return String(format: "target ≤ %.3g s", s)
    }
}

/// Wall-clock timing helpers.
enum Timing {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Runs `body` once to warm up, then `repeats` times, each on a fresh `setup()` value made
    /// before the clock starts, and returns the median seconds. Whatever `body` returns is
    /// released after the clock stops (freeing an N×N matrix is not part of computing it), so
    /// every row returns its result rather than discarding it inside the clock.
    static func median<Input, Output>(repeats: Int, setup: () -> Input,
                                      _ body: (consuming Input) throws -> Output) rethrows -> Double {
        _ = try body(setup())
        var times = [Double]()
        for _ in 0..<repeats {
            let input = setup()
            let t0 = now()
            let result = try body(consume input)
            times.append(now() - t0)
            withExtendedLifetime(result) {}
        }
        return median(times)
    }

    /// The same without an input.
    static func median<Output>(repeats: Int, _ body: () throws -> Output) rethrows -> Double {
        try median(repeats: repeats, setup: {}, { (_: consuming Void) in try body() })
    }

    static func median(_ values: [Double]) -> Double {
        let times = values.sorted()
        return times.count % 2 == 1 ? times[times.count / 2]
            : 0.5 * (times[times.count / 2 - 1] + times[times.count / 2])
    }
}

CommandMain.run(Bench.self)
