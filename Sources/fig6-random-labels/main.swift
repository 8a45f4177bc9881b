// fig6-random-labels — reproduces the true-vs-random-labels experiment of Arora, Du, Hu, Li &
// Wang (ICML 2019) on MNIST. Claims 19, 20 (docs/SPEC.md §2f, §4).
import ArgumentParser
import Foundation
import NTKCore
import NTKFigures
import NTKPlot

struct Fig6: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Fig6RandomLabels.name,
        abstract: "Arora et al. 2019: a wide two-layer ReLU network fits true MNIST labels faster than random ones, as H∞ predicts.",
        discussion: """
        Source: Arora, Du, Hu, Li & Wang (ICML 2019), "Fine-grained analysis of optimization and \
        generalization for overparameterized two-layer neural networks" (Thm 4.1 and the true vs random \
        labels experiment). Setup [Prop, docs/SPEC.md §2f]: MNIST digits 3 (y = +1) and 5 (y = −1), rows \
        normalised to unit ℓ2 norm, random labels iid ±1; f(x) = (1/√m)Σ a_r relu(w_rᵀx) with a_r = ±1 \
        fixed, only W trained by full-batch GD with η = 1/λmax(H∞) (outside Thm 4.1's step-size condition); \
        κ = 1 and the antisymmetric initialisation (neurons in ± pairs, so u(0) = 0; m/2 independent \
        neurons); the same initialisation for both label sets; GD in float32 (--training-precision float64 to switch; H∞ and the Grams are float64). \
        Paper scale: n = 1000, m = 10000, 1000 iterations; quick scale: n = 200, m = 4000, \
        250 iterations. Needs MNIST in data/mnist (or NTK_DATA_DIR). Writes \
        fig6-random-labels.{png,csv,json} into --out.
        Panels: (a) residual ‖y − u(k)‖/‖y‖ of the network and the prediction \
        √Σ(1 − ηλ_i)^{2k}(v_iᵀy)²; (b) eigenvalues of H∞; (c) projections (v_iᵀy)²; (d) the measure \
        √(2yᵀH∞⁻¹y/n). Claims checked: 19 (the network follows the prediction; a calibration: m, κ and the \
        initialisation were chosen against it), 20 (random labels train \
        slower and score higher on the measure).
        """)

    @OptionGroup var options: FigureOptions
    @OptionGroup var training: TrainingPrecisionOption

    func run() throws {
        try FigureDriver.run(name: Fig6RandomLabels.name, options: options) { progress in
            var config = Fig6RandomLabels.Config.forScale(options.scale)
            config.trainingPrecision = training.trainingPrecision
            let r = try Fig6RandomLabels.compute(config, seed: options.seed, progress: progress)
            return (r.output, render(r))
        }
    }

    static let trueColor = Palette.tab10[0]
    static let randomColor = Palette.tab10[1]

    func render(_ r: Fig6RandomLabels.Result) -> Figure {
        let cfg = r.config
        let n = r.eigenvalues.count
        let yNorm = Double(n).squareRoot()           // ‖y‖ for labels ±1
        let runs: [(name: String, run: Fig6RandomLabels.LabelRun, color: Color)] = [
            ("true labels", r.trueLabels, Self.trueColor), ("random labels", r.randomLabels, Self.randomColor),
        ]

        var residual = Panel(title: "a  Training residual (network solid, prediction dashed)", xLabel: "iteration k",
                             yLabel: "‖y − u(k)‖ / ‖y‖", yLimits: 0...1.05, legend: .upperRight)
        for (name, run, color) in runs {
            let kNet = (0..<run.residualNorm.count).map(Double.init)
            let kPred = (0..<run.predicted.count).map(Double.init)
            residual.line(x: kNet, y: run.residualNorm.map { $0 / yNorm }, color: color, width: 2, label: "\(name): network")
            residual.line(x: kPred, y: run.predicted.map { $0 / yNorm }, color: color.mixed(with: .black, 0.35), width: 2,
                          dash: .dashed, label: "\(name): H∞ prediction")
        }

        let index = (1...n).map(Double.init)
        var spectrum = Panel(title: "b  Eigenvalues of H∞ (n = \(n))", xLabel: "index i (descending order)",
                             yLabel: "λᵢ", xScale: .log10, yScale: .log10, legend: .upperRight)
        spectrum.line(x: index, y: r.eigenvalues, color: Color(gray: 0.2), width: 2)

        var projections = Panel(title: "c  Label projections on the eigenvectors vᵢ of H∞", xLabel: "index i (descending λᵢ)",
                                yLabel: "(vᵢᵀy)²", xScale: .log10, yScale: .log10, legend: .lowerLeft)
        for (name, run, color) in runs {
            projections.scatter(x: index, y: run.projections, size: 3.5, color: color, alpha: 0.45, label: name)
        }
        for (name, run, color) in runs {
            let (bx, by) = logBinnedMean(run.projections, binsPerDecade: 6)
            projections.line(x: bx, y: by, color: color.mixed(with: .black, 0.35), width: 2.5,
                             label: "\(name): mean per log bin", marker: .circle)
        }

        return Figure(width: 1300, height: 1000, scale: 2, rows: 2, columns: 2,
                      title: "True vs random labels: MNIST \(cfg.classes.0) vs \(cfg.classes.1) [Prop], n = \(n), two-layer ReLU net m = \(cfg.width), η = 1/λmax(H∞) (Arora et al. 2019)",
                      panels: [residual, spectrum, projections, measurePanel(r)])
    }

    /// Means of `v[i − 1]` over bins of the 1-based index i equally spaced in log i
    /// (`binsPerDecade` per decade), at the geometric centre of each bin's indices: a smooth
    /// summary of the noisy projections on a log index axis.
    func logBinnedMean(_ v: [Double], binsPerDecade: Double) -> (x: [Double], y: [Double]) {
        var xs = [Double](), ys = [Double]()
        var start = 1
        var b = 1.0
        while start <= v.count {
            let end = min(v.count, max(start, Int(pow(10, b / binsPerDecade).rounded(.down))))
            let slice = v[(start - 1)...(end - 1)]
            xs.append((Double(start) * Double(end)).squareRoot())
            ys.append(slice.reduce(0, +) / Double(slice.count))
            start = end + 1
            b += 1
        }
        return (xs, ys)
    }

    /// Two bars, √(2yᵀH∞⁻¹y/n) for true and random labels. The plot API has no categorical axis,
    /// so the panel draws its own baseline, and names and values are captions of a 1×1
    /// transparent image of negligible size (a caption sits just below its anchor).
    func measurePanel(_ r: Fig6RandomLabels.Result) -> Panel {
        let bars = [("true labels", r.trueLabels.measure, Self.trueColor),
                    ("random labels", r.randomLabels.measure, Self.randomColor)]
        let top = bars.map(\.1).max()!
        var panel = Panel(title: "d  Generalisation measure √(2yᵀH∞⁻¹y / n)", xLimits: -0.7...1.7,
                          yLimits: (-0.1 * top)...(1.15 * top), grid: false, legend: .hidden, showAxes: false)
        let invisible = Colormap(name: "none", stops: [Color(gray: 1, alpha: 0), Color(gray: 1, alpha: 0)])
        func text(_ s: String, x: Double, below y: Double) {
            panel.image(ImageSeries(pixels: [0], width: 1, height: 1,
                                    extent: Extent(left: x - 0.001, right: x + 0.001, bottom: y, top: y + 1e-4 * top),
                                    colormap: invisible, caption: s))
        }
        for (k, (name, value, color)) in bars.enumerated() {
            let x = Double(k)
            panel.band(x: [x - 0.3, x + 0.3], lower: [0, 0], upper: [value, value], color: color, alpha: 0.6)
            // Value label just above the bar (≈ 0.055 of the bar range ≈ 20 px here).
            text(String(format: "%.3g", value), x: x, below: value + 0.06 * top)
            text(name, x: x, below: 0)
        }
        panel.hline(0, color: .ink, width: 1.25, dash: .solid)
        return panel
    }
}

CommandMain.run(Fig6.self)
