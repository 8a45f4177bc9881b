// fig4-mnist-error-prediction — reproduces the poster panel "Error prediction on MNIST using the
// NTK" of Jacot, Gabriel & Hongler (2018). Claim 21 (docs/SPEC.md §2d, §4).
import ArgumentParser
import Foundation
import NTKCore
import NTKFigures
import NTKPlot

struct Fig4: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Fig4MNISTErrorPrediction.name,
        abstract: "Poster figure: which MNIST test digits a width-500, L=4 network gets wrong, predicted by NTK regression.",
        discussion: """
        Source: Jacot, Gabriel & Hongler (2018), poster panel "Error prediction on MNIST using the NTK" \
        (ANN accuracy 85.9%, NTK accuracy 86.3%, agreement 94.3%). Setup [Prop, docs/SPEC.md §2d, §6.2]: \
        N_train = 256 seeded training digits, one-hot targets, full-batch GD with lr 10 (the paper's \
        lr-1 flow in a tenth of the steps) until the loss is below 1e-4; NTK predictors (i) Θ∞ at t = ∞, \
        (ii) Θ∞ at the network's T, (iii) (ii) plus the network's f0, (iv) the network's own empirical \
        Θ0 and f0 at T (its linearisation). Paper scale: 1000 test digits, 5 network seeds, at most 8000 \
        steps; quick scale: 400 test digits, 1 seed, at most 800 steps. Needs MNIST in data/mnist (or \
        NTK_DATA_DIR). Writes fig4-mnist-error-prediction.{png,csv,json} into --out.
        The figure shows the test digits the first network gets wrong (at most 80), framed green when \
        the NTK predicts the same wrong label, amber when it predicts a different wrong label, red when \
        it misses the error; and the accuracies and agreement against the poster's values, both for \
        predictor (i), the poster-like comparison with a converged kernel machine.
        Claim checked: 21 (agreement, equal accuracy, Cohen's κ of the error sets) for each predictor.
        """)

    @OptionGroup var options: FigureOptions
    @OptionGroup var training: TrainingPrecisionOption

    func run() throws {
        try FigureDriver.run(name: Fig4MNISTErrorPrediction.name, options: options) { progress in
            var config = Fig4MNISTErrorPrediction.Config.forScale(options.scale)
            config.trainingPrecision = training.trainingPrecision
            let r = try Fig4MNISTErrorPrediction.compute(config, seed: options.seed, progress: progress)
            return (r.output, render(r))
        }
    }

    /// Most digit tiles shown (10 columns × 8 rows).
    static let maxTiles = 80
    static let tileColumns = 10
    static let sameLabel = Color(hex: 0x2CA02C)       // green
    static let otherLabel = Color(hex: 0xE69F00)      // amber (Okabe–Ito orange)
    static let missed = Color(hex: 0xD62728)          // red

    func render(_ r: Fig4MNISTErrorPrediction.Result) -> Figure {
        // The poster-like comparison: the network against a converged NTK regression.
        let predictor = Fig4MNISTErrorPrediction.Predictor.limit
        let run = r.runs[0]
        let ntk = run.ntkLabels[predictor]!
        let truth = r.testLabels
        let errors = truth.indices.filter { run.annLabels[$0] != truth[$0] }
        let shown = Array(errors.prefix(Self.maxTiles))
        var counts = (same: 0, other: 0, missed: 0)
        for i in errors {
            if ntk[i] == run.annLabels[i] { counts.same += 1 } else if ntk[i] != truth[i] { counts.other += 1 } else { counts.missed += 1 }
        }
        let falseAlarms = truth.indices.filter { run.annLabels[$0] == truth[$0] && ntk[$0] != truth[$0] }.count
        let frames: [Color?] = shown.map { i in
            ntk[i] == run.annLabels[i] ? Self.sameLabel : (ntk[i] != truth[i] ? Self.otherLabel : Self.missed)
        }
        let images = shown.map { r.testImages.row($0) }
        let captions = shown.map { "\(truth[$0])→\(run.annLabels[$0])" }
        let shownText = shown.count < errors.count ? "first \(shown.count) of \(errors.count)" : "all \(errors.count)"
        var grid = Panel.imageGrid(
            title: "Test digits the network gets wrong (seed 0: \(shownText) of \(truth.count); caption true→ANN)",
            images: images, imageWidth: 28, imageHeight: 28, columns: Self.tileColumns, frames: frames,
            captions: captions)
        grid.series = grid.series.map { s in
            if case var .image(im) = s { im.frameWidth = 3; return .image(im) }
            return s
        }
        // Room for the frame-colour legend below the tiles: the grid keeps the height of a full
        // 8-row grid plus a strip for the legend, so the layout does not depend on the error count.
        let rowHeight = 1.0 + 0.15 + 0.35
        let fullRows = Double(Self.maxTiles / Self.tileColumns)
        let legendStrip = 1.8
        if let y = grid.yLimits { grid.yLimits = (y.upperBound - fullRows * rowHeight - legendStrip)...y.upperBound }
        grid.legend = .lowerCenter
        grid.line(x: [], y: [], color: Self.sameLabel, width: 3,
                  label: "NTK predicts the error, same wrong label (\(counts.same))")
        grid.line(x: [], y: [], color: Self.otherLabel, width: 3,
                  label: "NTK predicts an error, different label (\(counts.other))")
        grid.line(x: [], y: [], color: Self.missed, width: 3,
                  label: "NTK misses the error (\(counts.missed)); NTK false alarms: \(falseAlarms)")

        return Figure(width: 1500, height: 760, scale: 2, rows: 1, columns: 2,
                      title: "Predicting an MNIST network's errors with the NTK — width 500, L = 4, N_train = \(r.config.trainSize) [Prop], predictor \(predictor.rawValue)",
                      panels: [grid, metricsPanel(r, predictor)])
    }

    /// Bars of the mean (over seeds) ANN accuracy, NTK accuracy and agreement, with the poster's
    /// values as dashed segments and each seed as a dot. The plot API has no categorical axis, so
    /// the panel draws its own baseline, and names and values are image captions (an invisible
    /// 1×1 transparent image of negligible size whose caption sits just below its anchor).
    func metricsPanel(_ r: Fig4MNISTErrorPrediction.Result, _ p: Fig4MNISTErrorPrediction.Predictor) -> Panel {
        let metrics: [(name: String, poster: Double, value: (ErrorPrediction) -> Double)] = [
            ("ANN accuracy", 0.859, { $0.accuracyANN }),
            ("NTK accuracy", 0.863, { $0.accuracyNTK }),
            ("ANN–NTK agreement", 0.943, { $0.agreement }),
        ]
        let colors = [Palette.tab10[0], Palette.tab10[1], Palette.tab10[4]]
        let seeds = r.runs.count
        var panel = Panel(title: "Accuracy and agreement on \(r.config.testSize) test digits (mean of \(seeds) seed\(seeds == 1 ? "" : "s"))",
                          xLimits: -0.6...2.6, yLimits: -0.1...1.2, grid: false, legend: .upperCenter, showAxes: false)
        let invisible = Colormap(name: "none", stops: [Color(gray: 1, alpha: 0), Color(gray: 1, alpha: 0)])
        func text(_ s: String, x: Double, below y: Double) {
            panel.image(ImageSeries(pixels: [0], width: 1, height: 1, extent: Extent(left: x - 0.001, right: x + 0.001, bottom: y, top: y + 1e-4),
                                    colormap: invisible, caption: s))
        }
        let halfWidth = 0.32
        for (k, m) in metrics.enumerated() {
            let x = Double(k)
            let values = r.runs.map { m.value($0.stats[p]!) }
            let mean = values.reduce(0, +) / Double(values.count)
            panel.band(x: [x - halfWidth, x + halfWidth], lower: [0, 0], upper: [mean, mean], color: colors[k], alpha: 0.55)
            panel.line(x: [x - halfWidth - 0.06, x + halfWidth + 0.06], y: [m.poster, m.poster], color: .black, width: 2.5,
                       dash: .dashed, label: k == 0 ? "poster: 85.9 / 86.3 / 94.3 %" : nil)
            panel.series.append(.scatter(ScatterSeries(x: values.map { _ in x }, y: values, size: 6, color: .black,
                                                       edgeColor: .white, label: k == 0 ? "individual seeds" : nil)))
            text(m.name + String(format: ": %.1f %%", 100 * mean), x: x, below: 0)
        }
        panel.hline(0, color: .ink, width: 1.25, dash: .solid)
        return panel
    }
}

CommandMain.run(Fig4.self)
