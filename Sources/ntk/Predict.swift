import ArgumentParser
import Foundation
import NTKCore

extension PredictorKernel: ExpressibleByArgument {}

/// The loss whose gradient flow is predicted.
enum LossOption: String, ExpressibleByArgument, CaseIterable {
    /// (1/2N)Σ‖f − y‖² (Jacot et al.): rate η/N.
    case mean
    /// ½Σ‖f − y‖² (Lee et al. 2019): rate η.
    case sum
    /// neural-tangents' 1/(2·N·O)Σ‖f − y‖²: rate η/(N·O).
    case nt
}

enum SolverOption: String, ExpressibleByArgument, CaseIterable {
    case packed, dense
}

enum JitterOption: String, ExpressibleByArgument, CaseIterable {
    case off, auto
}

/// Progress lines on stderr (phase, percentage, ETA), at most one every two seconds per phase.
final class ProgressReporter {
    let quiet: Bool
    let start = Date()
    var phase = ""
    var phaseStart = Date()
    var last = Date.distantPast

    init(quiet: Bool) { self.quiet = quiet }

    func report(_ p: String, _ fraction: Double) {
        guard !quiet else { return }
        let now = Date()
        if p != phase {
            phase = p
            phaseStart = now
            last = .distantPast
        }
        // Short runs print nothing: the first line comes after two seconds.
        guard now.timeIntervalSince(start) >= 2 else { return }
        guard now.timeIntervalSince(last) >= 2 || fraction >= 1 && last == .distantPast else { return }
        last = now
        let elapsed = now.timeIntervalSince(phaseStart)
        var line = String(format: "ntk predict: %@ %3.0f%% (%.1f s", p, 100 * fraction, elapsed)
        if fraction > 0.01 && fraction < 1 {
            line += String(format: ", ETA %.0f s", elapsed * (1 - fraction) / fraction)
        }
        printErr(line + ")")
    }
}

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Mean (and covariance) of an infinite ensemble of infinite-width networks trained by gradient descent on the squared loss (NTK-GP, Lee et al. 2019) or of readout-only training (NNGP).",
        discussion: """
            The outputs start at f0 = 0 (the mean of the GP at initialisation), as in \
            neural-tangents' gradient_descent_mse_ensemble. --time T counts steps: the flow runs \
            for learning rate × T, and with --loss mean (1/2N)Σ‖f−y‖² the rate matrix is ηΘ/N, \
            with --loss sum ½Σ‖f−y‖² it is ηΘ, with --loss nt it is ηΘ/(N·O), neural-tangents' \
            normalisation, so --loss nt --time T --learning-rate η matches predict_fn(t=T) of \
            gradient_descent_mse_ensemble(learning_rate=η). --kernel ntk trains every layer (Θ), \
            --kernel nngp only the readout (Θ := Σ; at t = inf the Bayesian posterior). \
            --diag-reg r adds r·mean(diag G) to the diagonal of the factorised train kernel G \
            (neural-tangents' default scaling; --diag-reg-absolute adds r itself). \
            t = inf: Cholesky of G in LAPACK's rectangular full packed format (N(N+1)/2 doubles, \
            half a dense matrix: 10 GB at N = 50000), test predictions in row blocks; --jitter auto \
            raises a jitter 1e-10·10^k × mean diagonal until Cholesky succeeds and reports it. \
            Finite t: eigendecomposition of the dense G. \
            Inputs and outputs are CSV or .npy (by extension; .npy inputs float64 or float32, C order). \
            MEAN is N_test × O; COV is the N_test × N_test covariance shared by all outputs. \
            MEAN and COV are replaced together. Bad input: one line on stderr, exit 2, nothing written.
            Example: ntk predict --x-train x.npy --y-train y.npy --x-test xt.npy --kernel ntk --depth 3 --w-std 1.5 --b-std 0.1 --out mean.npy --cov-out cov.npy
            """)

    @Option(name: .customLong("x-train"), help: "Train inputs (N × d), CSV or .npy.")
    var xTrain: String

    @Option(name: .customLong("y-train"), help: "Train targets (N × O, or a length-N .npy vector).")
    var yTrain: String

    @Option(name: .customLong("x-test"), help: "Test inputs (M × d).")
    var xTest: String

    @Option(help: "ntk (gradient descent on all layers) or nngp (readout only).")
    var kernel: PredictorKernel = .ntk

    @Option(help: "Number of weight layers L (≥ 1).")
    var depth: Int = 4

    @Option(help: "Hidden nonlinearity: relu, erf or identity.")
    var activation: Activation = .relu

    @Option(name: .customLong("w-std"), help: "Weight scale σ_w (neural-tangents' W_std).")
    var wStd: Double = 1

    @Option(name: [.customLong("b-std"), .customLong("beta")], help: "Bias scale σ_b (neural-tangents' b_std; --beta is a synonym).")
    var bStd: Double = 0.1

    @Option(help: "Training time in steps (a number ≥ 0, or inf).")
    var time: String = "inf"

    @Option(name: .customLong("learning-rate"), help: "Learning rate η (> 0).")
    var learningRate: Double = 1

    @Option(help: "mean: (1/2N)Σ‖f−y‖²; sum: ½Σ‖f−y‖²; nt: neural-tangents' 1/(2NO)Σ‖f−y‖².")
    var loss: LossOption = .mean

    @Option(name: .customLong("diag-reg"), help: "Ridge r ≥ 0 on the train kernel's diagonal (× its mean diagonal unless --diag-reg-absolute).")
    var diagReg: Double = 0

    @Flag(name: .customLong("diag-reg-absolute"), help: "--diag-reg is an absolute value.")
    var diagRegAbsolute = false

    @Option(help: "t = inf only: off (a non-positive-definite kernel is an error) or auto (raise a jitter until Cholesky succeeds).")
    var jitter: JitterOption = .off

    @Option(help: "t = inf only: packed (RFP Cholesky, N(N+1)/2 doubles) or dense (dpotrf, 3·N² doubles; the reference).")
    var solver: SolverOption = .packed

    @Option(help: "Mean predictions, M × O (CSV, or .npy if the name ends in .npy).")
    var out: String

    @Option(name: .customLong("cov-out"), help: "Covariance, M × M (CSV or .npy).")
    var covOut: String?

    @Option(name: .customLong("npy-dtype"), help: "Element type of .npy outputs: float64 or float32.")
    var npyDtype: NPYOutputType = .float64

    @Option(help: "Write a JSON record (time, peak memory, ridge, jitter, method) here.")
    var report: String?

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func parsedTime() throws -> Double {
        let s = time.lowercased()
        if s == "inf" || s == "infinity" { return .infinity }
        guard let t = Double(time), t.isFinite, t >= 0 else {
            throw InputError("--time must be a non-negative number or inf (got '\(time)')")
        }
        return t
    }

    func run() throws {
        guard depth >= 1 else { throw InputError("--depth must be at least 1 (got \(depth))") }
        guard wStd.isFinite, bStd.isFinite else { throw InputError("--w-std and --b-std must be finite numbers") }
        guard learningRate.isFinite, learningRate > 0 else { throw InputError("--learning-rate must be a positive number (got \(learningRate))") }
        guard diagReg.isFinite, diagReg >= 0 else { throw InputError("--diag-reg must be a non-negative number (got \(diagReg))") }
        let t = try parsedTime()
        var destinations = [out]
        if let covOut { destinations.append(covOut) }
        if let report { destinations.append(report) }
        if Set(destinations).count != destinations.count {
            throw InputError("--out, --cov-out and --report must be different files")
        }
        for d in destinations {
            do { try AtomicFile.checkWritable(d) } catch { throw InputError("\(error)") }
        }
        let x = try CSV.readMatrix(xTrain)
        try CSV.checkNorms(x, xTrain)
        let y = try CSV.readMatrix(yTrain)
        let xt = try CSV.readMatrix(xTest)
        try CSV.checkNorms(xt, xTest)
        guard y.rows == x.rows else {
            throw InputError("shape mismatch: \(xTrain) has \(x.rows) rows, \(yTrain) has \(y.rows)")
        }
        guard xt.columns == x.columns else {
            throw InputError("shape mismatch: \(xTrain) has \(x.columns) columns, \(xTest) has \(xt.columns)")
        }
        let predictor = KernelPredictor(
            kernel: AnalyticKernel(depth: depth, activation: activation, weightStd: wStd, biasStd: bStd),
            mode: kernel, time: t, learningRate: learningRate, loss: loss == .sum ? .sum : .mean,
            perOutput: loss == .nt, diagReg: diagReg, diagRegScale: diagRegAbsolute ? .absolute : .relative,
            jitter: jitter == .auto ? JitterSchedule() : nil, packed: solver == .packed)
        let what = "ntk predict on \(x.rows) train and \(xt.rows) test inputs (\(t == .infinity ? "t = inf, packed Cholesky" : "finite t, dense eigendecomposition"))"
        do {
            try MemoryBudget.require(bytes: predictor.memoryEstimate(train: x.rows, test: xt.rows, outputs: y.columns,
                                                                     covariance: covOut != nil), for: what)
        } catch {
            throw InputError("\(error); use fewer train points\(t == .infinity ? "" : " or t = inf (half the memory)") or split the test set")
        }
        let progress = ProgressReporter(quiet: quiet)
        let r: KernelPredictor.Result
        do {
            r = try predictor.predict(xTrain: x, yTrain: y, xTest: xt, covariance: covOut != nil) { progress.report($0, $1) }
        } catch let e as RFPError {
            throw InputError("\(e)")
        } catch let e as PredictionError {
            throw InputError("\(e)")
        } catch let e as LinearAlgebraError {
            throw InputError("\(e)")
        }
        for (name, m) in [("mean", r.mean), ("covariance", r.covariance)] {
            if let m, let k = m.storage.firstIndex(where: { !$0.isFinite }) {
                throw InputError("the \(name) is not finite at row \(k / m.columns + 1) column \(k % m.columns + 1) although the inputs are finite; scale the inputs down or add a ridge")
            }
        }
        if r.jitter > 0 {
            printErr("ntk predict: Cholesky needed a jitter of \(r.jitter) on the diagonal (on top of the ridge \(r.ridge))")
        }
        do {
            var staged = [try MatrixFile.stage(r.mean, to: out, npyType: npyDtype.dtype)]
            if let covOut, let c = r.covariance { staged.append(try MatrixFile.stage(c, to: covOut, npyType: npyDtype.dtype)) }
            if let report {
                let o = try AtomicFile.Output(path: report)
                let json = """
                    {"train": \(x.rows), "test": \(xt.rows), "outputs": \(y.columns), "kernel": "\(kernel.rawValue)", \
                    "time": \(t == .infinity ? "\"inf\"" : "\(t)"), "method": "\(r.method)", "ridge": \(r.ridge), \
                    "jitter": \(r.jitter), "seconds": \(r.seconds), "peak_bytes": \(r.peakBytes)}

                    """
                try o.write(Data(json.utf8))
                try o.prepare()
                staged.append(o)
            }
            for s in staged { try s.publish() }
        } catch { throw InputError("\(error)") }
        if !quiet {
            printErr("ntk predict: \(x.rows) train, \(xt.rows) test, \(y.columns) outputs, \(r.method), ridge \(r.ridge), jitter \(r.jitter): "
                     + String(format: "%.2f s, peak memory ", r.seconds) + MemoryBudget.describe(Double(r.peakBytes)))
        }
    }
}
