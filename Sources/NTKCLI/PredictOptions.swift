import ArgumentParser
import Foundation
import NTKCore

// The options, input loading and output writing of `ntk predict`, shared with `ntk-mpi predict`
// so that both take the same command line and write the same files.

extension PredictorKernel: ExpressibleByArgument {}
extension Activation: ExpressibleByArgument {}

/// Element type of .npy outputs.
public enum NPYOutputType: String, ExpressibleByArgument, CaseIterable, Sendable {
    case float64, float32
    public var dtype: NPYDType { self == .float64 ? .float64 : .float32 }
}

/// The loss whose gradient flow is predicted.
public enum LossOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// (1/2N)Σ‖f − y‖² (Jacot et al.): rate η/N.
    case mean
    /// ½Σ‖f − y‖² (Lee et al. 2019): rate η.
    case sum
    /// neural-tangents' 1/(2·N·O)Σ‖f − y‖²: rate η/(N·O).
    case nt
}

public enum SolverOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case packed, dense
}

public enum JitterOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case off, auto
}

/// Progress lines on stderr (phase, percentage, ETA), at most one every two seconds per phase.
public final class ProgressReporter {
    let quiet: Bool
    let prefix: String
    let start = Date()
    var phase = ""
    var phaseStart = Date()
    var last = Date.distantPast

    /// `prefix` starts every line ("ntk predict").
    public init(quiet: Bool, prefix: String = "ntk predict") {
        self.quiet = quiet
        self.prefix = prefix
    }

    public func report(_ p: String, _ fraction: Double) {
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
        var line = String(format: "%@: %@ %3.0f%% (%.1f s", prefix, p, 100 * fraction, elapsed)
        if fraction > 0.01 && fraction < 1 {
            line += String(format: ", ETA %.0f s", elapsed * (1 - fraction) / fraction)
        }
        printErr(line + ")")
    }
}

/// Train inputs, targets and test inputs, checked against each other.
public struct PredictInputs: Sendable {
    public var x: Matrix
    public var y: Matrix
    public var xt: Matrix
    public init(x: Matrix, y: Matrix, xt: Matrix) {
        self.x = x
        self.y = y
        self.xt = xt
    }
}

/// What a prediction did, for `--report` and the closing line on stderr.
public struct PredictReport: Sendable {
    public var train: Int, test: Int, outputs: Int
    public var kernel: PredictorKernel
    public var time: Double
    public var method: String
    public var ridge: Double, jitter: Double
    public var seconds: Double
    public var peakBytes: Int
    /// Further JSON members, already encoded (name, value).
    public var extra: [(String, String)]

    public init(train: Int, test: Int, outputs: Int, kernel: PredictorKernel, time: Double, method: String,
                ridge: Double, jitter: Double, seconds: Double, peakBytes: Int, extra: [(String, String)] = []) {
        self.train = train
        self.test = test
        self.outputs = outputs
        self.kernel = kernel
        self.time = time
        self.method = method
        self.ridge = ridge
        self.jitter = jitter
        self.seconds = seconds
        self.peakBytes = peakBytes
        self.extra = extra
    }

    public var json: String {
        var members = """
            {"train": \(train), "test": \(test), "outputs": \(outputs), "kernel": "\(kernel.rawValue)", \
            "time": \(time == .infinity ? "\"inf\"" : "\(time)"), "method": "\(method)", "ridge": \(ridge), \
            "jitter": \(jitter), "seconds": \(seconds), "peak_bytes": \(peakBytes)
            """
        for (k, v) in extra { members += ", \"\(k)\": \(v)" }
        return members + "}\n"
    }

    /// The closing line: sizes, method, ridge, jitter, time and peak memory.
    public var summary: String {
        "\(train) train, \(test) test, \(outputs) outputs, \(method), ridge \(ridge), jitter \(jitter): "
            + String(format: "%.2f s, peak memory ", seconds) + MemoryBudget.describe(Double(peakBytes))
    }
}

/// The options of `ntk predict` (and `ntk-mpi predict`).
public struct PredictOptions: ParsableArguments {
    public init() {}

    @Option(name: .customLong("x-train"), help: "Train inputs (N × d), CSV or .npy.")
    public var xTrain: String

    @Option(name: .customLong("y-train"), help: "Train targets (N × O, or a length-N .npy vector).")
    public var yTrain: String

    @Option(name: .customLong("x-test"), help: "Test inputs (M × d).")
    public var xTest: String

    @Option(help: "ntk (gradient descent on all layers) or nngp (readout only).")
    public var kernel: PredictorKernel = .ntk

    @Option(parsing: .unconditional, help: "Number of weight layers L (≥ 1).")
    public var depth: Int = 4

    @Option(help: "Hidden nonlinearity: relu, erf or identity.")
    public var activation: Activation = .relu

    @Option(name: .customLong("w-std"), parsing: .unconditional, help: "Weight scale σ_w (neural-tangents' W_std).")
    public var wStd: Double = 1

    @Option(name: [.customLong("b-std"), .customLong("beta")], parsing: .unconditional, help: "Bias scale σ_b (neural-tangents' b_std; --beta is a synonym).")
    public var bStd: Double = 0.1

    @Option(parsing: .unconditional, help: "Training time in steps (a number ≥ 0, or inf).")
    public var time: String = "inf"

    @Option(name: .customLong("learning-rate"), parsing: .unconditional, help: "Learning rate η (> 0).")
    public var learningRate: Double = 1

    @Option(help: "mean: (1/2N)Σ‖f−y‖²; sum: ½Σ‖f−y‖²; nt: neural-tangents' 1/(2NO)Σ‖f−y‖².")
    public var loss: LossOption = .mean

    @Option(name: .customLong("diag-reg"), parsing: .unconditional, help: "Ridge r ≥ 0 on the train kernel's diagonal (× its mean diagonal unless --diag-reg-absolute).")
    public var diagReg: Double = 0

    @Flag(name: .customLong("diag-reg-absolute"), help: "--diag-reg is an absolute value.")
    public var diagRegAbsolute = false

    @Option(help: "t = inf only: off (a non-positive-definite kernel is an error) or auto (raise a jitter until Cholesky succeeds).")
    public var jitter: JitterOption = .off

    @Option(help: "t = inf only: packed (RFP Cholesky, N(N+1)/2 doubles) or dense (dpotrf, 3·N² doubles; the reference). ntk-mpi accepts it and always factors its block-cyclic matrix.")
    public var solver: SolverOption = .packed

    @Option(help: "Mean predictions, M × O (CSV, or .npy if the name ends in .npy).")
    public var out: String

    @Option(name: .customLong("cov-out"), help: "Covariance, M × M (CSV or .npy).")
    public var covOut: String?

    @Option(name: .customLong("npy-dtype"), help: "Element type of .npy outputs: float64 or float32.")
    public var npyDtype: NPYOutputType = .float64

    @Option(help: "Write a JSON record (time, peak memory, ridge, jitter, method) here.")
    public var report: String?

    @Flag(help: "No progress lines on stderr.")
    public var quiet = false

    public func parsedTime() throws -> Double {
        let s = time.lowercased()
        if s == "inf" || s == "infinity" { return .infinity }
        guard let t = Double(time), t.isFinite, t >= 0 else {
            throw InputError("--time must be a non-negative number or inf (got '\(time)')")
        }
        return t
    }

    /// Checks the numeric options and that every destination can be written, before any input
    /// is read; returns the time t.
    public func checked() throws -> Double {
        guard depth >= 1 else { throw InputError("--depth must be at least 1 (got \(depth))") }
        guard wStd.isFinite, bStd.isFinite else { throw InputError("--w-std and --b-std must be finite numbers") }
        guard learningRate.isFinite, learningRate > 0 else { throw InputError("--learning-rate must be a positive number (got \(learningRate))") }
        guard diagReg.isFinite, diagReg >= 0 else { throw InputError("--diag-reg must be a non-negative number (got \(diagReg))") }
        let t = try parsedTime()
        var outputs = [(flag: "--out", path: out)]
        if let covOut { outputs.append(("--cov-out", covOut)) }
        if let report { outputs.append(("--report", report)) }
        try checkDestinations(outputs, inputs: [("--x-train", xTrain), ("--y-train", yTrain), ("--x-test", xTest)])
        return t
    }

    /// Reads the three input files and checks their shapes, values and norms.
    public func loadInputs() throws -> PredictInputs {
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
        return PredictInputs(x: x, y: y, xt: xt)
    }

    /// The predictor these options describe, at time t.
    public func predictor(time t: Double) -> KernelPredictor {
        KernelPredictor(
            kernel: AnalyticKernel(depth: depth, activation: activation, weightStd: wStd, biasStd: bStd),
            mode: kernel, time: t, learningRate: learningRate, loss: loss == .sum ? .sum : .mean,
            perOutput: loss == .nt, diagReg: diagReg, diagRegScale: diagRegAbsolute ? .absolute : .relative,
            jitter: jitter == .auto ? JitterSchedule() : nil, packed: solver == .packed)
    }

    /// A non-finite mean or covariance from finite inputs is an error, not an output; so is a
    /// value that a float32 .npy output would turn into ±∞.
    public func checkFinite(mean: Matrix, covariance: Matrix?) throws {
        for (name, m, path) in [("mean", mean, out), ("covariance", covariance, covOut ?? "")] {
            guard let m else { continue }
            if let k = m.storage.firstIndex(where: { !$0.isFinite }) {
                throw InputError("the \(name) is not finite at row \(k / m.columns + 1) column \(k % m.columns + 1) although the inputs are finite; scale the inputs down or add a ridge")
            }
            try CSV.checkFitsFloat32(m, what: "the \(name)", path: path, type: npyDtype)
        }
    }

    /// Writes MEAN, COV and the report to temporaries, then renames them into place together
    /// (a failure while staging leaves every destination untouched). A device or FIFO cannot
    /// be staged, so those are written last, after every regular file is staged: a failing
    /// regular output then delivers nothing to a pipe (only a second stream can fail after a
    /// first one was written).
    public func publish(mean: Matrix, covariance: Matrix?, report record: PredictReport) throws {
        var writers: [(path: String, stage: () throws -> AtomicFile.Output)] = [
            (out, { try MatrixFile.stage(mean, to: out, npyType: npyDtype.dtype) })]
        if let covOut, let c = covariance {
            writers.append((covOut, { try MatrixFile.stage(c, to: covOut, npyType: npyDtype.dtype) }))
        }
        if let report {
            writers.append((report, {
                let o = try AtomicFile.Output(path: report)
                try o.write(Data(record.json.utf8))
                try o.prepare()
                return o
            }))
        }
        func isStream(_ path: String) -> Bool {
            if case .stream? = try? AtomicFile.resolve(path) { return true }
            return false
        }
        do {
            let ordered = writers.filter { !isStream($0.path) } + writers.filter { isStream($0.path) }
            var staged = [AtomicFile.Output]()
            for w in ordered { staged.append(try w.stage()) }
            for s in staged { try s.publish() }
        } catch { throw InputError("\(error)") }
    }
}
