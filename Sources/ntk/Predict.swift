import ArgumentParser
import Foundation
import NTKCLI
import NTKCore

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

    @OptionGroup var options: PredictOptions

    func run() throws {
        let t = try options.checked()
        let inputs = try options.loadInputs()
        let x = inputs.x, y = inputs.y, xt = inputs.xt
        let covariance = options.covOut != nil
        let predictor = options.predictor(time: t)
        let what = "ntk predict on \(x.rows) train and \(xt.rows) test inputs (\(t == .infinity ? "t = inf, packed Cholesky" : "finite t, dense eigendecomposition"))"
        do {
            try MemoryBudget.require(bytes: predictor.memoryEstimate(train: x.rows, test: xt.rows, outputs: y.columns,
                                                                     covariance: covariance), for: what)
        } catch {
            throw InputError("\(error); use fewer train points\(t == .infinity ? "" : " or t = inf (half the memory)") or split the test set")
        }
        let progress = ProgressReporter(quiet: options.quiet)
        let r: KernelPredictor.Result
        do {
            r = try predictor.predict(xTrain: x, yTrain: y, xTest: xt, covariance: covariance) { progress.report($0, $1) }
        } catch let e as RFPError {
            throw InputError("\(e)")
        } catch let e as PredictionError {
            throw InputError("\(e)")
        } catch let e as LinearAlgebraError {
            throw InputError("\(e)")
        }
        try options.checkFinite(mean: r.mean, covariance: r.covariance)
        if r.jitter > 0 {
            printErr("ntk predict: Cholesky needed a jitter of \(r.jitter) on the diagonal (on top of the ridge \(r.ridge))")
        }
        let record = PredictReport(train: x.rows, test: xt.rows, outputs: y.columns, kernel: options.kernel, time: t,
                                   method: r.method, ridge: r.ridge, jitter: r.jitter, seconds: r.seconds, peakBytes: r.peakBytes)
        try options.publish(mean: r.mean, covariance: r.covariance, report: record)
        if !options.quiet { printErr("ntk predict: " + record.summary) }
    }
}
