import Foundation
import NTKCore

/// The NTK Gaussian process over training time against an ensemble of trained networks (source
/// 003, Fig. 7; source 004; Lee et al. 2019, §2.3; docs/SPEC.md §2i). For f0 ~ GP(0, Σ), gradient
/// descent on the squared loss makes f_t a GP with mean μ_t = Θ(x,X)Θ⁻¹(I − (I − A)^k)Y and the
/// covariance of `GradientFlow.covariance` (A = ηΘ/N, k steps). An ensemble of R independently
/// initialised finite networks, each trained by GD, is compared with it at the same steps; the NNGP
/// posterior (what training only the readout gives at t = ∞) is the contrasting band. Claims 25–28b.
public enum Fig9NTKGaussianProcess {
    public static let name = "fig9-ntk-gaussian-process"
    public static let title = "NTK Gaussian process over training time vs an ensemble of trained networks (source 003 Fig. 7; Lee et al. 2019)"

    public struct Config: Sendable {
        public var width: Int
        /// Networks in the ensemble (R).
        public var networks: Int
        public var trainX: [Double] = [-3, -1, 0.5, 2]
        public var trainY: [Double] = [-0.5, 0.8, 0.2, -0.7]
        public var gridRange: ClosedRange<Double> = -5 ... 5
        public var gridPoints = 101
        /// GD steps at which the process and the ensemble are compared; the last is T (≈ ∞).
        public var steps = [0, 3, 10, 30, 100, 300]
        public var learningRate = 1.0
        /// L = 3 weight layers: two hidden ReLU layers.
        public var depth = 3
        public var beta = 0.1
        /// Seeded draws from the process used for the null distribution of the band coverage.
        public var nullDraws = 4000
        /// Individual networks drawn in each panel.
        public var shownNetworks = 8
        /// A second ensemble at a quarter of the width: how the networks' departure from their
        /// linearisations scales (claim 25c).
        public var narrowWidth: Int { width / 4 }
        /// Bootstrap resamples of the networks for the standard error of claim 25c.
        public var bootstrapResamples = 400

        /// paper: width 1024, 200 networks; quick: width 512, 100 networks (at 256 the departure
        /// slope of claim 25c between 64 and 256 sat at the edge of its window, docs/SPEC.md §7.8).
        public static func forScale(_ s: Scale) -> Config {
            switch s {
            case .paper: return Config(width: 1024, networks: 200)
            case .quick: return Config(width: 512, networks: 100)
            }
        }
    }

    /// The process and the ensemble at one GD step.
    public struct Snapshot: Sendable {
        public var step: Int
        /// NTK-GP mean and covariance on the grid.
        public var mean: [Double]
        public var covariance: Matrix
        /// Ensemble mean and (R − 1)-denominator variance on the grid.
        public var ensembleMean: [Double], ensembleVariance: [Double]
        /// The same for the networks' linearisations (each on its own Θ̂0 and f0, Lee et al. eq. (9)).
        public var linearizedMean: [Double], linearizedVariance: [Double]
        /// Grid points where the band is counted (sd_t ≥ `coverageMinimumSD`·max sd_t).
        public var coveragePoints: [Int]
        /// Share of (network, counted point) with |f − μ_t| ≤ k·sd_t for k = 1, 2.
        public var coverage: [Double]
        public var sd: [Double] { covariance.diagonal.map { Swift.max($0, 0).squareRoot() } }
    }

    public struct Result: Sendable {
        public var config: Config
        public var gridX: [Double]
        public var snapshots: [Snapshot]
        /// The process at t = ∞ (mean, covariance), for the gap to the last step.
        public var meanInfinity: [Double], covarianceInfinity: Matrix
        /// NNGP posterior (readout-only training to t = ∞) mean and covariance on the grid.
        public var nngpMean: [Double], nngpCovariance: Matrix
        /// Outputs of the first `shownNetworks` networks: [network][snapshot][grid point].
        public var shown: [[[Double]]]
        /// ηλ(Θ(X,X))/N, ascending.
        public var rates: [Double]
        /// f_T − f_lin,T per network at the last step, at `width` and at `narrowWidth`: [network][grid point].
        public var departure: [[Double]], narrowDeparture: [[Double]]
        public var output: FigureOutput
    }

    /// Claim 25: family-wise error rate of the max-|z| test of the ensemble mean over every
    /// (step, grid point), Bonferroni-corrected.
    static let meanFamilyLevel = 0.01
    /// Finite-width allowances, O(1/n) [Prop]: the ensemble's variance differs from the limit's by
    /// corrections of relative order c/n, the square of the kernel's relative fluctuation
    /// ≈ 3/√n (claim 8: 0.029 at n = 10⁴); we allow twice that, 20/n (0.02 at n = 1024).
    static let varianceAllowanceCoefficient = 20.0
    /// The mean's bias is of the same relative order; allowed as 10/n of max|y| (0.008 at n = 1024).
    static let meanAllowanceCoefficient = 10.0
    /// Claims 25–27 use 3 null standard deviations (two-sided 0.27% per check).
    static let nullSDs = 3.0
    /// Coverage is counted where the process's sd is at least this fraction of its largest sd at
    /// that step: at the training points late in training the band has zero width and any
    /// finite-width residual lies outside it.
    static let coverageMinimumSD = 0.05
    /// Claim 28: "away from the data" = at least this far from every training x (in x units:
    /// more than the largest gap between neighbouring training points, 1.5).
    static let farDistance = 1.5
    /// Claim 28b: v_NTK,∞ − v_NNGP ≥ −(this × max v), float64 rounding of the two solves.
    static let varianceOrderSlack = 1e-9

    public static func compute(_ cfg: Config, seed: UInt64, progress: Progress? = nil) throws -> Result {
        let x = LineSetup.inputs(cfg.trainX), y = LineSetup.targets(cfg.trainY)
        let gridX = LineSetup.grid(cfg.gridRange, count: cfg.gridPoints)
        let grid = LineSetup.inputs(gridX)
        let kernel = AnalyticKernel(depth: cfg.depth, beta: cfg.beta)
        let kXX = kernel(x), kGX = kernel(grid, x), kGG = kernel(grid)
        let flow = try GradientFlow(kTrainTrain: kXX.ntk, learningRate: cfg.learningRate)
        let zerosX = Matrix(rows: x.rows, columns: 1), zerosG = Matrix(rows: grid.rows, columns: 1)
        func process(_ t: FlowTime) throws -> ([Double], Matrix) {
            (try flow.predictTest(at: t, fTrain0: zerosX, yTrain: y, fTest0: zerosG, kTestTrain: kGX.ntk).storage,
             try flow.covariance(at: t, kTestTrain: kGX.ntk, nngpTrainTrain: kXX.nngp, nngpTestTrain: kGX.nngp,
                                 nngpTestTest: kGG.nngp))
        }
        let (meanInf, covInf) = try process(.infinity)
        let nngp = try KernelPredictor(kernel: kernel, mode: .nngp, time: .infinity)
            .predict(xTrain: x, yTrain: y, xTest: grid, covariance: true)

        // The ensemble: R networks trained by GD, recorded on the grid at the comparison steps, and a
        // second one at a quarter of the width for the scaling of their departure from linearity.
        progress?.total = cfg.networks * (cfg.width + cfg.narrowWidth)
        let main = try trainEnsemble(cfg, width: cfg.width, x: x, y: y, grid: grid, seed: seed, progress: progress)
        let narrow = try trainEnsemble(cfg, width: cfg.narrowWidth, x: x, y: y, grid: grid, seed: seed, progress: progress)
        let outputs = main.outputs, linearized = main.linearized

        var snapshots = [Snapshot]()
        for (i, k) in cfg.steps.enumerated() {
            let (mu, cov) = try process(.steps(k))
            let (m, v) = ensembleMoments(outputs, snapshot: i)
            let (lm, lv) = ensembleMoments(linearized, snapshot: i)
            let sd = cov.diagonal.map { Swift.max($0, 0).squareRoot() }, top = sd.max()!
            let points = (0..<gridX.count).filter { sd[$0] >= coverageMinimumSD * top }
            let coverage = coverageMultiples.map { k -> Double in
                var inside = 0
                for o in outputs { for g in points where abs(o[i][g] - mu[g]) <= k * sd[g] { inside += 1 } }
                return Double(inside) / Double(outputs.count * points.count)
            }
            snapshots.append(Snapshot(step: k, mean: mu, covariance: cov, ensembleMean: m, ensembleVariance: v,
                                      linearizedMean: lm, linearizedVariance: lv, coveragePoints: points, coverage: coverage))
        }
        let rates = flow.eigen.values.map { cfg.learningRate * $0 / Double(x.rows) }
        let result = Result(config: cfg, gridX: gridX, snapshots: snapshots, meanInfinity: meanInf, covarianceInfinity: covInf,
                            nngpMean: nngp.mean.storage, nngpCovariance: nngp.covariance!,
                            shown: Array(outputs.prefix(cfg.shownNetworks)), rates: rates,
                            departure: main.departure, narrowDeparture: narrow.departure,
                            output: FigureOutput(name: name, title: title, csv: CSVTable(header: [])))
        return try withRecord(result, seed: seed)
    }

    /// R networks of one width trained by GD and their linearisations, on the grid at the compared steps.
    struct Ensemble {
        /// [network][snapshot][grid point].
        var outputs: [[[Double]]], linearized: [[[Double]]]
        /// f_T − f_lin,T per network at the last step: [network][grid point].
        var departure: [[Double]] {
            zip(outputs, linearized).map { o, l in zip(o[o.count - 1], l[l.count - 1]).map { $0 - $1 } }
        }
    }

    /// Trains the R networks of one width, two at a time when BLAS has two threads
    /// (`IndependentRuns`: single-threaded products, identical results for any worker count).
    static func trainEnsemble(_ cfg: Config, width: Int, x: Matrix, y: Matrix, grid: Matrix, seed: UInt64,
                              progress: Progress?) throws -> Ensemble {
        let stepIndex = Dictionary(uniqueKeysWithValues: cfg.steps.enumerated().map { ($1, $0) })
        let runs = try IndependentRuns.map(cfg.networks, workers: BLAS.threadCount, done: { r in
            progress?.advance(width, "width \(width): network \(r + 1)/\(cfg.networks)")
        }) { r -> (outputs: [[Double]], linearized: [[Double]]) in
            var net = MLP(inputDimension: 2, width: width, depth: cfg.depth, outputs: 1, beta: cfg.beta,
                          seed: CircleSetup.networkSeed(base: seed, width: width, index: r))
            // Its linearisation, in function space: f0 + Θ̂0(x,X)Θ̂0⁻¹(I − (I − ηΘ̂0/N)^k)(Y − f0(X)).
            let own = try GradientFlow(kTrainTrain: net.empiricalNTK(x), learningRate: cfg.learningRate)
            let f0X = net(x), f0G = net(grid), kG = net.empiricalNTK(grid, x)
            let linearized = try cfg.steps.map {
                try own.predictTest(at: .steps($0), fTrain0: f0X, yTrain: y, fTest0: f0G, kTestTrain: kG).storage
            }
            var rec = [[Double]](repeating: [], count: cfg.steps.count)
            try net.train(inputs: x, targets: y, steps: cfg.steps.last!, learningRate: cfg.learningRate) { p, m in
                if let i = stepIndex[p.step] { rec[i] = m(grid).storage }
                return .proceed
            }
            return (rec, linearized)
        }
        return Ensemble(outputs: runs.map(\.outputs), linearized: runs.map(\.linearized))
    }

    /// Mean and (R − 1)-denominator variance over the ensemble at one snapshot, per grid point.
    static func ensembleMoments(_ outputs: [[[Double]]], snapshot i: Int) -> (mean: [Double], variance: [Double]) {
        var m = [Double](), v = [Double]()
        for g in 0..<outputs[0][i].count {
            let (a, sd) = meanAndSD(outputs.map { $0[i][g] })
            m.append(a)
            v.append(sd * sd)
        }
        return (m, v)
    }

    /// Fills the run record (CSV, parameters, proposals, claims, notes) from the computed result.
    static func withRecord(_ r: Result, seed: UInt64) throws -> Result {
        var res = r
        var out = FigureOutput(name: name, title: title, csv: csvTable(r))
        out.parameters = parameters(r)
        out.proposals = proposals(r)
        out.claims = [
            meanClaim(r, id: "25", statement: "At each time the trained networks' mean is the NTK-GP mean μ_t", what: "f_t",
                      mean: \.ensembleMean, variance: \.ensembleVariance),
            meanClaim(r, id: "25b", statement: "At each time the mean of the networks' linearisations is μ_t", what: "f_lin,t",
                      mean: \.linearizedMean, variance: \.linearizedVariance),
            departureClaim(r, seed: seed),
            try varianceClaim(r),
        ]
        out.claims += try coverageClaims(r, seed: seed)
        out.claims += try awayFromDataClaims(r)
        out.notes = notes(r)
        res.output = out
        return res
    }

    // MARK: - Claims

    /// The two-sided standard-normal quantile z with P(|Z| > z) = p (bisection on erfc).
    static func twoSidedQuantile(_ p: Double) -> Double {
        var lo = 0.0, hi = 40.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if Foundation.erfc(mid / 2.0.squareRoot()) > p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    static func maxAbs(_ ys: [Double]) -> Double { ys.map(abs).max() ?? 0 }

    /// Claims 25 and 25b: max over steps and grid points of |m̄ − μ_t| / (z·s/√R + b), ≤ 1, for the
    /// ensemble means and variances picked by `mean` and `variance`.
    static func meanClaim(_ r: Result, id: String, statement: String, what: String,
                          mean: KeyPath<Snapshot, [Double]>, variance: KeyPath<Snapshot, [Double]>) -> Claim {
        let c = r.config, R = Double(c.networks)
        let tests = c.steps.count * r.gridX.count
        let z = twoSidedQuantile(meanFamilyLevel / Double(tests))
        let b = meanAllowanceCoefficient / Double(c.width) * maxAbs(c.trainY)
        var worst = 0.0, worstAt = ""
        for s in r.snapshots {
            for g in 0..<r.gridX.count {
                let tol = z * (s[keyPath: variance][g] / R).squareRoot() + b
                let v = abs(s[keyPath: mean][g] - s.mean[g]) / tol
                if v > worst { worst = v; worstAt = "step \(s.step), x = \(fmt(r.gridX[g]))" }
            }
        }
        return .bound(id, statement, source: .lee, kind: .prediction,
                      quantity: "max over \(c.steps.count) steps × \(r.gridX.count) points of |mean_R \(what) − μ_t| / (z·sd/√R + b), n = \(c.width), R = \(c.networks) (worst at \(worstAt))",
                      measured: worst, bound: 1, expected: "≤ 1",
                      reason: "z = \(fmt(z)): Bonferroni over the \(tests) checks at family level \(fmt(meanFamilyLevel)); b = \(fmt(b)) = \(fmt(meanAllowanceCoefficient))/n·max|y| for an O(1/n) finite-width bias [Prop]")
    }

    /// Size of the ensemble-mean departure: √(mean_x (Δ̄_x² − s_x²/R)), Δ = f_T − f_lin,T per network,
    /// the squared mean corrected for its sampling noise (floored at 1e−300 before the root).
    static func departureSize(_ d: [[Double]], indices: [Int]) -> Double {
        let a = d[0].count, r = Double(indices.count)
        var acc = 0.0
        for g in 0..<a {
            let (m, sd) = meanAndSD(indices.map { d[$0][g] })
            acc += m * m - sd * sd / r
        }
        return Swift.max(acc / Double(a), 1e-300).squareRoot()
    }

    /// Claim 25c: the trained networks' mean departure from their linearisations shrinks with
    /// width: log-log slope between `narrowWidth` and `width`, standard error by a seeded bootstrap
    /// over the networks of both ensembles.
    static func departureClaim(_ r: Result, seed: UInt64) -> Claim {
        let c = r.config, all = Array(0..<c.networks)
        let span = Foundation.log(Double(c.width) / Double(c.narrowWidth))
        func slope(_ wide: [Int], _ narrow: [Int]) -> Double {
            Foundation.log(departureSize(r.departure, indices: wide) / departureSize(r.narrowDeparture, indices: narrow)) / span
        }
        let measured = slope(all, all)
        var rng = SeededGenerator.stream(seed: seed, label: 0x626F_6F74)   // "boot"
        var samples = [Double]()
        for _ in 0..<c.bootstrapResamples {
            let w = all.map { _ in Int.random(in: 0..<c.networks, using: &rng) }
            let n = all.map { _ in Int.random(in: 0..<c.networks, using: &rng) }
            samples.append(slope(w, n))
        }
        let se = meanAndSD(samples).sd
        return .inRange("25c", "The trained networks' mean departs from their linearisations' by O(n^−½) or less", source: .lee,
                        kind: .prediction,
                        quantity: "log-log slope of √(mean_x (mean_R (f_T − f_lin,T))² − noise) between n = \(c.narrowWidth) (\(fmt(departureSize(r.narrowDeparture, indices: all)))) and n = \(c.width) (\(fmt(departureSize(r.departure, indices: all)))), R = \(c.networks) each",
                        measured: measured, range: Fig8LinearizedDynamics.slopeWindow((measured, se)),
                        expected: "≤ −½ (Lee et al. Thm 2.1), ≥ −1",
                        reason: "as fig8's claim 22, 3 SE (\(fmt(se)), bootstrap over the networks, \(c.bootstrapResamples) resamples), at most \(fmt(SharedTolerance.slopeNoiseWideningCap))")
    }

    static func varianceAllowance(_ c: Config) -> Double { varianceAllowanceCoefficient / Double(c.width) }

    /// Pooled ratio Σ_x s²(x) / Σ_x v(x) over the given grid points.
    static func pooledRatio(_ ensembleVariance: [Double], _ cov: Matrix, _ points: [Int]) -> Double {
        points.reduce(0) { $0 + ensembleVariance[$1] } / points.reduce(0) { $0 + cov[$1, $1] }
    }

    static func restricted(_ m: Matrix, _ points: [Int]) -> Matrix {
        Matrix(rows: points.count, columns: points.count) { m[points[$0], points[$1]] }
    }

    /// Claim 26: at each step the pooled variance ratio is within 1 ± (3 null sd + allowance).
    static func varianceClaim(_ r: Result) throws -> Claim {
        let c = r.config, all = Array(0..<r.gridX.count), a = varianceAllowance(c)
        var worst = 0.0
        var parts = [String]()
        for s in r.snapshots {
            let sd0 = try GaussianLaw.pooledVarianceRatioNullSD(covariance: s.covariance, replicates: c.networks)
            let ratio = pooledRatio(s.ensembleVariance, s.covariance, all)
            worst = Swift.max(worst, abs(ratio - 1) / (nullSDs * sd0 + a))
            parts.append("\(s.step): \(String(format: "%.3f", ratio)) ± \(String(format: "%.3f", nullSDs * sd0 + a))")
        }
        return .bound("26", "At each time the ensemble variance is the NTK-GP variance sd_t²", source: .lee, kind: .prediction,
                      quantity: "max over steps of |Σ_x s²(x)/Σ_x sd_t²(x) − 1| / (3·sd₀ + a), n = \(c.width), R = \(c.networks) (ratio ± window by step: \(parts.joined(separator: "; ")))",
                      measured: worst, bound: 1, expected: "≤ 1",
                      reason: "sd₀ = √(2Σ_xy C_xy²/((R−1)(Σ_x C_xx)²)), the sd of the pooled sample-variance ratio of R Gaussian draws with the process's covariance C; a = \(fmt(a)) = \(fmt(varianceAllowanceCoefficient))/n finite-width allowance [Prop]; a covariance off by 2× gives ≈ 0.5 or 2")
    }

    /// The bands of claim 27: ±1 and ±2 standard deviations.
    static let coverageMultiples = [1.0, 2.0]

    /// Claim 27: share of (network, step, point) inside ±k·sd_t around μ_t, k = 1 and 2.
    static func coverageClaims(_ r: Result, seed: UInt64) throws -> [Claim] {
        let c = r.config, R = Double(c.networks), a = varianceAllowance(c)
        var rng = SeededGenerator.stream(seed: seed, label: 0x636F_7665)   // "cove"
        var claims = [Claim]()
        for (j, k) in coverageMultiples.enumerated() {
            var inside = 0.0, total = 0.0, nullSD = 0.0
            for s in r.snapshots {
                let counted = Double(s.coveragePoints.count) * R
                inside += s.coverage[j] * counted
                total += counted
                let law = try GaussianLaw(covariance: restricted(s.covariance, s.coveragePoints))
                nullSD += (law.coverageFraction(k: k, draws: c.nullDraws, using: &rng).variance / R).squareRoot()
            }
            // Correlated across steps at worst completely: the pooled sd is at most the mean sd.
            nullSD /= Double(r.snapshots.count)
            let p = Foundation.erf(k / 2.0.squareRoot())
            let shift = k * Foundation.exp(-k * k / 2) / (2 * Double.pi).squareRoot() * a
            let half = nullSDs * nullSD + shift
            claims.append(.inRange("27", k == 1 ? "The ±1 sd band of the NTK-GP covers the networks as a Gaussian's does" : "…and the ±2 sd band",
                                   source: .blog, kind: .prediction,
                                   quantity: "share of (network, step, point) with |f_t − μ_t| ≤ \(Int(k))·sd_t, over points where sd_t ≥ \(fmt(coverageMinimumSD))·max sd_t, n = \(c.width), R = \(c.networks)",
                                   measured: inside / total, range: (p - half)...(p + half), expected: fmt(p),
                                   reason: "3 null sd (\(fmt(nullSD)), from \(c.nullDraws) seeded draws of the process at each step; steps counted as fully correlated) plus \(fmt(shift)) = kφ(k)·a for the finite-width variance allowance a"))
        }
        return claims
    }

    /// Grid points at least `farDistance` from every training x.
    static func farPoints(_ r: Result) -> [Int] {
        (0..<r.gridX.count).filter { g in r.config.trainX.allSatisfy { abs(r.gridX[g] - $0) >= farDistance } }
    }

    /// Claims 28 and 28b: the NTK-GP band differs from the NNGP posterior's away from the data, and
    /// the trained ensemble follows the NTK-GP's; the NTK-GP variance at t = ∞ is never below the
    /// NNGP posterior's (the posterior is the best linear predictor of f0(x) from f0(X)).
    static func awayFromDataClaims(_ r: Result) throws -> [Claim] {
        let c = r.config, far = farPoints(r), a = varianceAllowance(c)
        let last = r.snapshots[r.snapshots.count - 1]
        let nngpFar = restricted(r.nngpCovariance, far), ntkFar = restricted(last.covariance, far)
        let sdNNGP = try GaussianLaw.pooledVarianceRatioNullSD(covariance: nngpFar, replicates: c.networks)
        let sdNTK = try GaussianLaw.pooledVarianceRatioNullSD(covariance: ntkFar, replicates: c.networks)
        let vsNNGP = pooledRatio(last.ensembleVariance, r.nngpCovariance, far)
        let vsNTK = pooledRatio(last.ensembleVariance, last.covariance, far)
        let farText = "\(far.count) points ≥ \(fmt(farDistance)) from the data, step \(last.step)"
        var claims = [Claim]()
        claims.append(.bound("28", "Away from the data the trained ensemble's spread is not the NNGP posterior's", source: .lee, kind: .prediction,
                             quantity: "Σ s²/Σ v_NNGP over \(farText), n = \(c.width), R = \(c.networks)",
                             measured: vsNNGP, bound: 1 + nullSDs * sdNNGP + a, above: true,
                             expected: "> 1 (Lee et al. 2019 §2.3: the NTK-GP is the NNGP posterior only when just the readout is trained)",
                             reason: "above the NNGP's own window 1 + 3·sd₀ (\(fmt(sdNNGP))) + a (\(fmt(a)))"))
        claims.append(.close("28", "…but the NTK-GP's", source: .lee, kind: .prediction,
                             quantity: "Σ s²/Σ sd_T² over \(farText), n = \(c.width), R = \(c.networks)",
                             measured: vsNTK, target: 1, tol: nullSDs * sdNTK + a,
                             reason: "3·sd₀ (\(fmt(sdNTK))) + a (\(fmt(a))), as claim 26"))
        let vNTK = r.covarianceInfinity.diagonal, vNNGP = r.nngpCovariance.diagonal
        let scale = (vNTK + vNNGP).max()!
        let gap = zip(vNTK, vNNGP).map { ($0 - $1) / scale }.min()!
        claims.append(.bound("28b", "At t = ∞ the NTK-GP variance is at least the NNGP posterior variance everywhere", source: .proposal,
                             kind: .prediction,
                             quantity: "min over the grid of (v_NTK,∞(x) − v_NNGP(x)) / max v",
                             measured: gap, bound: -varianceOrderSlack, above: true,
                             expected: "≥ 0 (f_∞ = μ + f0(x) − Θ(x,X)Θ⁻¹f0(X) is a linear predictor of f0(x) from f0(X); the posterior's is the best)",
                             reason: "\(fmt(varianceOrderSlack)) of the largest variance for float64 rounding"))
        return claims
    }

    // MARK: - Run record

    static func csvTable(_ r: Result) -> CSVTable {
        var csv = CSVTable(header: ["kind", "step", "network", "x", "value"])
        for (tx, ty) in zip(r.config.trainX, r.config.trainY) { csv.append(["train_point", 0, 0, .number(tx), .number(ty)]) }
        for s in r.snapshots {
            let sd = s.sd
            for (g, gx) in r.gridX.enumerated() {
                csv.append(["ntk_gp_mean", .int(s.step), 0, .number(gx), .number(s.mean[g])])
                csv.append(["ntk_gp_sd", .int(s.step), 0, .number(gx), .number(sd[g])])
                csv.append(["ensemble_mean", .int(s.step), 0, .number(gx), .number(s.ensembleMean[g])])
                csv.append(["ensemble_sd", .int(s.step), 0, .number(gx), .number(s.ensembleVariance[g].squareRoot())])
                csv.append(["linearized_ensemble_mean", .int(s.step), 0, .number(gx), .number(s.linearizedMean[g])])
                csv.append(["linearized_ensemble_sd", .int(s.step), 0, .number(gx), .number(s.linearizedVariance[g].squareRoot())])
            }
        }
        for (g, gx) in r.gridX.enumerated() {
            csv.append(["ntk_gp_mean_t_inf", -1, 0, .number(gx), .number(r.meanInfinity[g])])
            csv.append(["ntk_gp_sd_t_inf", -1, 0, .number(gx), .number(Swift.max(r.covarianceInfinity[g, g], 0).squareRoot())])
            csv.append(["nngp_posterior_mean", -1, 0, .number(gx), .number(r.nngpMean[g])])
            csv.append(["nngp_posterior_sd", -1, 0, .number(gx), .number(Swift.max(r.nngpCovariance[g, g], 0).squareRoot())])
        }
        for (j, net) in r.shown.enumerated() {
            for (i, s) in r.snapshots.enumerated() {
                for (g, gx) in r.gridX.enumerated() { csv.append(["network", .int(s.step), .int(j), .number(gx), .number(net[i][g])]) }
            }
        }
        return csv
    }

    static func parameters(_ r: Result) -> [String: JSONValue] {
        let c = r.config
        return [
            "depth": .number(Double(c.depth)), "hidden_layers": .number(Double(c.depth - 1)), "beta": .number(c.beta),
            "activation": "relu", "inputs": "(x, 1)", "width": .number(Double(c.width)),
            "networks": .number(Double(c.networks)), "steps": .ints(c.steps), "learning_rate": .number(c.learningRate),
            "loss": "(1/2N)Σ(f − y)²", "train_x": .numbers(c.trainX), "train_y": .numbers(c.trainY),
            "grid": .string("\(c.gridPoints) points in [\(fmt(c.gridRange.lowerBound)), \(fmt(c.gridRange.upperBound))]"),
            "rates_eta_lambda_over_N": .numbers(r.rates), "narrow_width": .number(Double(c.narrowWidth)),
            "ensemble_workers": .number(Double(BLAS.threadCount)), "null_draws": .number(Double(c.nullDraws)),
            "pooled_variance_ratio_by_step": .numbers(r.snapshots.map { pooledRatio($0.ensembleVariance, $0.covariance, Array(0..<r.gridX.count)) }),
        ]
    }

    static func proposals(_ r: Result) -> [String] {
        let c = r.config
        let gap = zip(r.snapshots.last!.mean, r.meanInfinity).map { abs($0 - $1) }.max()!
        return [
            "The toy: \(c.trainX.count) training points x = (\(c.trainX.map(fmt).joined(separator: ", "))) with targets (\(c.trainY.map(fmt).joined(separator: ", "))), inputs (x, 1), test grid x ∈ [\(fmt(c.gridRange.lowerBound)), \(fmt(c.gridRange.upperBound))] (source 003 does not give its points).",
            "L = \(c.depth) (\(c.depth - 1) hidden ReLU layers), β = \(fmt(c.beta)), σ_w = 1 (docs/SPEC.md §1.1) instead of source 003's one-layer net with prior variance σ_p² = 2; no observation noise (source 003 adds σ² = 0.001 to keep a band at the data).",
            "Ensemble of R = \(c.networks) networks of width \(c.width), each trained by full-batch GD (η = \(fmt(c.learningRate)), cost (1/2N)Σ(f − y)²) and compared with the process at steps \(c.steps.map(String.init).joined(separator: ", ")) through the discrete-GD filter (I − ηΘ/N)^k; the last step stands for t = ∞ (its mean differs from t = ∞ by at most \(fmt(gap))).",
            "Contrasting band: the NNGP posterior Σ(x,x) − Σ(x,X)Σ⁻¹Σ(X,x) (readout-only training at t = ∞), not an ensemble of readout-trained networks.",
            "Coverage is counted where sd_t ≥ \(fmt(coverageMinimumSD))·max sd_t; 'away from the data' means ≥ \(fmt(farDistance)) from every training x; finite-width allowances \(fmt(varianceAllowanceCoefficient))/n (variance) and \(fmt(meanAllowanceCoefficient))/n·max|y| (mean).",
        ]
    }

    /// Root mean square over networks and grid points of f_T − f_lin,T: one network's departure.
    static func perNetworkDeparture(_ d: [[Double]]) -> Double {
        (d.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } } / Double(d.count * d[0].count)).squareRoot()
    }

    static func notes(_ r: Result) -> [String] {
        let far = farPoints(r), c = r.config
        let ratios = far.map { (r.covarianceInfinity[$0, $0] / r.nngpCovariance[$0, $0]).squareRoot() }
        let single = (perNetworkDeparture(r.narrowDeparture), perNetworkDeparture(r.departure))
        let singleSlope = Foundation.log(single.1 / single.0) / Foundation.log(Double(c.width) / Double(c.narrowWidth))
        return [
            "Away from the data sd_NTK,∞/sd_NNGP ranges over \(fmt(ratios.min()!))–\(fmt(ratios.max()!)) (at the \(far.count) far grid points); the variance ratio Σ v_NTK,∞/Σ v_NNGP there is \(fmt(far.reduce(0) { $0 + r.covarianceInfinity[$1, $1] } / far.reduce(0) { $0 + r.nngpCovariance[$1, $1] })).",
            "One network's departure from its linearisation at the last step, RMS over networks and grid points: \(fmt(single.0)) at n = \(c.narrowWidth), \(fmt(single.1)) at n = \(c.width) (log-log slope \(fmt(singleSlope))); claim 25c measures the departure of the ensemble mean.",
            "ηλ(Θ(X,X))/N = \(r.rates.map(fmt).joined(separator: ", ")): after step k a residual mode keeps (1 − ηλ/N)^k of itself.",
        ]
    }
}
