import Foundation
import NTKCore

/// Poster panel "Convergence of the NTK in the infinite-width limit": on a fixed batch, the
/// Frobenius distance of the empirical NTK at initialisation to its limit, ‖Θ0 − Θ∞‖_F, and its
/// change during training, ‖Θ_T − Θ0‖_F, against the width on log-log axes. Claims 7, 8, 9.
public enum Fig2NTKConvergence {
    public static let name = "fig2-ntk-convergence"
    public static let title = "Convergence of the NTK to its infinite-width limit (Jacot et al. 2018, poster)"

    /// Claim 8: one network's relative distance to the limit at n = 10000 stays below 0.06, the
    /// reference 0.029 ± 0.009 [V] (mean ± single-seed sd) plus 3.4 sd; scaled as n^−½ elsewhere.
    static let perNetworkDistanceAt10000 = 0.06
    /// Claim 9: slope of the kernel's motion, the 1/n rate ± 0.3 (references −0.96 [V], −0.93 [Po]).
    static let driftSlopeWindow = -1.2 ... -0.7

    public struct Config: Sendable {
        public var widths: [Int]
        public var seeds: Int
        public var steps: Int
        public var trainingPoints = 50
        public var gridPoints = 41
        public var depth = 4
        public var beta = 0.1
        /// Arithmetic of gradient descent (kernels are always evaluated in float64).
        public var trainingPrecision: TrainingPrecision = .float32

        /// paper: widths 2^5…2^13, 5 seeds, T = 100 (poster). quick: 2^5…2^10, 5 seeds.
        public static func forScale(_ s: Scale) -> Config {
            switch s {
            case .paper: return Config(widths: (5...13).map { 1 << $0 }, seeds: 5, steps: 100)
            case .quick: return Config(widths: (5...10).map { 1 << $0 }, seeds: 5, steps: 100)
            }
        }
    }

    /// Distances for one network, on the 4-point batch and on the 41-point grid.
    public struct Run: Sendable {
        public var width: Int
        public var seedIndex: Int
        public var toLimit4: Double, drift4: Double
        public var toLimit41: Double, drift41: Double
        public var relToLimit41: Double
    }

    public struct Result: Sendable {
        public var config: Config
        public var runs: [Run]
        public var slopes: (toLimit4: Double, drift4: Double, toLimit41: Double, drift41: Double)
        public var output: FigureOutput
    }

    /// Per-width mean of log(values) (the spec's "per-width log-mean"), as exp.
    static func geometricMeans(_ runs: [Run], _ widths: [Int], _ f: (Run) -> Double) -> [Double] {
        widths.map { w in
            let v = runs.filter { $0.width == w }.map { Foundation.log(f($0)) }
            return Foundation.exp(v.reduce(0, +) / Double(v.count))
        }
    }

    public static func compute(_ cfg: Config, seed: UInt64, progress: Progress? = nil) throws -> Result {
        let batch4 = CircleSetup.points([0, Double.pi / 2, Double.pi, 3 * Double.pi / 2])
        let grid = CircleSetup.points(CircleSetup.periodicGrid(cfg.gridPoints))
        let kernel = AnalyticKernel(depth: cfg.depth, beta: cfg.beta)
        let lim4 = kernel(batch4).ntk, lim41 = kernel(grid).ntk
        let train = CircleSetup.gaussianTrainingSet(count: cfg.trainingPoints, seed: seed)
        var runs = [Run]()
        progress?.total = cfg.seeds * cfg.widths.reduce(0) { $0 + $1 * $1 } * (cfg.steps + 1)
        for w in cfg.widths {
            for s in 0..<cfg.seeds {
                var net = MLP(inputDimension: 2, width: w, depth: cfg.depth, outputs: 1, beta: cfg.beta,
                              seed: CircleSetup.networkSeed(base: seed, width: w, index: s))
                let a4 = net.empiricalNTK(batch4), a41 = net.empiricalNTK(grid)
                try net.train(inputs: train.x, targets: train.y, steps: cfg.steps, precision: cfg.trainingPrecision) { p in
                    if p.step > 0 { progress?.advance(w * w, "width \(w) seed \(s + 1)/\(cfg.seeds): step \(p.step)/\(cfg.steps)") }
                    return .proceed
                }
                let b4 = net.empiricalNTK(batch4), b41 = net.empiricalNTK(grid)
                runs.append(Run(width: w, seedIndex: s,
                                toLimit4: (a4 - lim4).frobeniusNorm, drift4: (b4 - a4).frobeniusNorm,
                                toLimit41: (a41 - lim41).frobeniusNorm, drift41: (b41 - a41).frobeniusNorm,
                                relToLimit41: (a41 - lim41).frobeniusNorm / lim41.frobeniusNorm))
                progress?.advance(w * w, "width \(w) seed \(s + 1)/\(cfg.seeds): kernels done")
            }
        }
        let ws = cfg.widths.map(Double.init)
        let slopes = (logLogSlope(ws, geometricMeans(runs, cfg.widths, \.toLimit4)),
                      logLogSlope(ws, geometricMeans(runs, cfg.widths, \.drift4)),
                      logLogSlope(ws, geometricMeans(runs, cfg.widths, \.toLimit41)),
                      logLogSlope(ws, geometricMeans(runs, cfg.widths, \.drift41)))

        var csv = CSVTable(header: ["width", "seed", "to_limit_4pt", "drift_4pt", "to_limit_41pt", "drift_41pt", "rel_to_limit_41pt"])
        for r in runs {
            csv.append([.int(r.width), .int(r.seedIndex), .number(r.toLimit4), .number(r.drift4),
                        .number(r.toLimit41), .number(r.drift41), .number(r.relToLimit41)])
        }
        var out = FigureOutput(name: name, title: title, csv: csv)
        out.parameters = [
            "depth": .number(Double(cfg.depth)), "beta": .number(cfg.beta), "activation": "relu",
            "widths": .ints(cfg.widths), "seeds_per_width": .number(Double(cfg.seeds)),
            "steps": .number(Double(cfg.steps)), "learning_rate": 1.0,
            "training_precision": .string(cfg.trainingPrecision.rawValue),
            "training_points": .number(Double(cfg.trainingPoints)), "grid_points": .number(Double(cfg.gridPoints)),
            "slope_to_limit_4pt": .number(slopes.0), "slope_drift_4pt": .number(slopes.1),
            "slope_to_limit_41pt": .number(slopes.2), "slope_drift_41pt": .number(slopes.3),
        ]
        out.proposals = [
            "Network and task as in Fig. 1 (L = 4, β = 0.1, f* = x1·x2 on N = \(cfg.trainingPoints) Gaussian inputs, lr 1), T = \(cfg.steps).",
            "Batches: the 4 circle points γ = 0, π/2, π, 3π/2 (as the poster's small fixed batch) and a \(cfg.gridPoints)-point grid of distinct angles −π + 2πk/\(cfg.gridPoints) (γ = ±π counted once).",
            "Slopes are least-squares fits of the per-width mean of log distance against log width.",
        ]
        if cfg.trainingPrecision == .float32 {
            out.proposals.append(TrainingPrecision.float32Note)
        }
        let large = cfg.widths.max()!
        let relLarge = runs.filter { $0.width == large }.map(\.relToLimit41)
        out.claims.append(.inRange("7", "‖Θ0 − Θ∞‖_F shrinks like n^−1/2", source: .poster, kind: .prediction,
                                   quantity: "log-log slope of ‖Θ0 − Θ∞‖_F (41-pt grid)", measured: slopes.2,
                                   range: -0.65 ... -0.40, expected: "−0.51 [V], −0.56 [Po]",
                                   reason: "per-width log-mean SE ≈ 0.1 → slope SE ≈ 0.03; the poster's 3 seeds need the wider bound"))
        // Claim 8: 0.029 ± 0.009 at n = 10000 [V]; at other widths scale by n^−½.
        // Claim 8 is about each network, so the worst seed is tested (until 2026-12-03 the
        // seeds' mean was, which a single far-off network could hide behind).
        let bound8 = perNetworkDistanceAt10000 * (10000.0 / Double(large)).squareRoot()
        out.claims.append(.bound("8", "Each wide network's NTK is close to the limit", source: .proposal, kind: .prediction,
                                 quantity: "max over \(relLarge.count) seeds of relative ‖Θ0 − Θ∞‖_F / ‖Θ∞‖_F, n=\(large)", measured: relLarge.max()!,
                                 bound: bound8, expected: "0.029 ± 0.009 at n=10000 [V]",
                                 reason: (large == 10000 ? "docs/SPEC.md §4 row 8" : "\(fmt(perNetworkDistanceAt10000)) at n = 10000 scaled as n^−½ to n = \(large)")
                                    + ": the reference mean plus 3.4 single-seed sd, a bound for one network"))
        out.claims.append(.inRange("9", "The kernel moves during training only like 1/n", source: .poster, kind: .prediction,
                                   quantity: "log-log slope of ‖Θ_T − Θ0‖_F (41-pt grid)", measured: slopes.3,
                                   range: driftSlopeWindow, expected: "−0.96 [V], −0.93 [Po]",
                                   reason: "docs/SPEC.md §4 row 9: the 1/n rate ± 0.3, set before the run around the references"))
        out.notes.append("Slopes on the 4-point batch: to limit \(fmt(slopes.0)), drift \(fmt(slopes.1)) (poster: −0.56, −0.93).")
        return Result(config: cfg, runs: runs, slopes: slopes, output: out)
    }
}
