// lee2018-nngp-mnist — Lee et al. 2018 ("Deep Neural Networks as Gaussian Processes", ICLR 2018),
// Table 1, MNIST ReLU rows: NNGP test accuracy at 1k, 10k and 50k training images with the paper's
// hyperparameters and protocol, and the NTK-GP at the same settings. Claims L18-* (docs/SPEC.md §9).
import ArgumentParser
import Foundation
import NTKCore
import NTKFigures
import NTKPlot

struct Lee2018: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Lee2018NNGPMNIST.name,
        abstract: "Lee et al. 2018, Table 1 (MNIST, ReLU): NNGP and NTK test accuracy at 1k, 10k and 50k training images.",
        discussion: """
        Source: Lee, Bahri, Novak, Schoenholz, Pennington & Sohl-Dickstein, "Deep Neural Networks as \
        Gaussian Processes" (ICLR 2018, arXiv 1711.00165), Table 1, and their code (brain-research/nngp). \
        Rows (hidden layers, σ_w², σ_b² → NNGP test accuracy): 1k: 20, 1.45, 0.28 → 0.9279; 10k: 7, 0.61, \
        0.07 → 0.9765; 50k: 1, 0.10, 0.48 → 0.9875. Protocol: training images 10000–59999 are the pool \
        (0–9999 are their validation set), a subset is the first N/10 images of each class (the whole \
        pool at 50k); each image is standardised over its 784 pixels; targets one-hot − 0.1; float64 GP \
        regression (t = ∞) by a packed Cholesky with jitter 1e-10, ×10 until it succeeds; all 10 000 \
        test digits. The kernel is the exact arc-cosine ReLU NNGP with L = hidden layers + 1 weight \
        layers (theirs is a lookup-table interpolation). The NTK-GP at t = ∞ with the same σ_w, σ_b and \
        depth is reported next to it (Table 1 has no NTK). Paper scale: the three NNGP rows and the NTK \
        at 1k and 10k, about 9 minutes on 2 cores (522–543 s in the runs of 2026-12-03, 527 s in the committed one; the 50k row builds and \
        factorises a packed 50 000² matrix, 10 GB, in about 8 minutes); --ntk-max-train 50000 adds the 50k NTK, a second such \
        factorisation (about 17 minutes in all). Quick scale: the 1k row only. Needs MNIST in \
        data/mnist (or NTK_DATA_DIR). Writes \
        lee2018-nngp-mnist.{png,csv,json} into --out; time, peak memory and jitter of every row are in \
        the JSON (the jitter also in the CSV).
        Claims checked: L18-1k (|ours − paper| ≤ 1.0 point), L18-10k and L18-50k (≤ 0.5 point), \
        L18-50k-fits (the 50k row's peak memory is below one dense float64 copy of its kernel, 20 GB), and L18-1k-replica, \
        L18-1k-ntk-replica, L18-10k-replica, L18-10k-ntk-replica (NNGP and NTK accuracies within 5 digits of an \
        independent NumPy replica's, scripts/check-lee2018-numpy.py).
        """)

    @OptionGroup var options: FigureOptions

    @Option(name: .customLong("ntk-max-train"),
            help: "Largest training size whose NTK-GP is computed too (default 10000 at paper scale; 50000 adds the 50k NTK, about 8 more minutes).")
    var ntkMaxTrain: Int?

    func run() throws {
        try FigureDriver.run(name: Lee2018NNGPMNIST.name, options: options) { progress in
            var config = Lee2018NNGPMNIST.Config.forScale(options.scale)
            if let m = ntkMaxTrain { config.ntkMaxTrain(m) }
            let r = try Lee2018NNGPMNIST.compute(config, progress: progress)
            return (r.output, render(r))
        }
    }

    static let nngpColor = Palette.tab10[0]
    static let ntkColor = Palette.tab10[1]
    static let paperColor = Color(gray: 0.1)
    static let nnColor = Palette.tab10[4]

    func render(_ r: Lee2018NNGPMNIST.Result) -> Figure {
        let rows = r.rows
        let n = rows.map { Double($0.row.trainSize) }
        let xLimits = 500.0...100_000.0
        var acc = Panel(title: "MNIST test accuracy (10 000 digits), ReLU, Table 1 hyperparameters",
                        xLabel: "training images N", yLabel: "test accuracy (%)", xScale: .log10,
                        xLimits: xLimits, legend: .lowerRight)
        func curve(_ x: [Double], _ y: [Double], _ color: Color, _ width: Double, _ dash: LineDash, _ label: String,
                   _ marker: MarkerShape) {
            acc.series.append(.line(LineSeries(x: x, y: y, color: color, width: width, dash: dash, label: label,
                                               marker: marker, markerSize: 9)))
        }
        curve(n, rows.map { 100 * $0.row.paperNN }, Self.nnColor, 1.5, .dotted, "paper: best trained NN", .square)
        curve(n, rows.map { 100 * $0.row.paperNNGP }, Self.paperColor, 1.5, .dashed, "paper: NNGP (lookup-table kernel)", .diamond)
        curve(n, rows.map { 100 * $0.nngpAccuracy }, Self.nngpColor, 2, .solid, "ours: NNGP (exact kernel)", .circle)
        let withNTK = rows.filter { $0.ntkAccuracy != nil }
        if !withNTK.isEmpty {
            curve(withNTK.map { Double($0.row.trainSize) }, withNTK.map { 100 * $0.ntkAccuracy! }, Self.ntkColor, 2, .solid,
                  "ours: NTK-GP, t = ∞ (same σ_w, σ_b, depth)", .triangle)
        }
        let all = rows.flatMap { [$0.row.paperNN, $0.row.paperNNGP, $0.nngpAccuracy] + ($0.ntkAccuracy.map { [$0] } ?? []) }
        let lo = floor(100 * (all.min() ?? 0.9) - 0.6), hi = ceil(100 * (all.max() ?? 1) + 0.3)
        acc.yLimits = lo...min(100, hi)

        var diff = Panel(title: "Ours − paper's NNGP, with the claim windows",
                         xLabel: "training images N", yLabel: "accuracy difference (percentage points)",
                         xScale: .log10, xLimits: xLimits, legend: .lowerRight)
        for (k, row) in rows.enumerated() {
            let x = Double(row.row.trainSize)
            let w = 100 * row.row.tolerance, se = 100 * Lee2018NNGPMNIST.binomialSE(row.row.paperNNGP, n: 10000)
            diff.line(x: [x, x], y: [-w, w], color: Color(gray: 0.8), width: 12,
                      label: k == 0 ? "claim window (±1.0 point at 1k, ±0.5 at 10k, 50k)" : nil)
            diff.line(x: [x, x], y: [-se, se], color: Color(gray: 0.45), width: 12,
                      label: k == 0 ? "±1 binomial SE of a 10 000-digit accuracy" : nil)
        }
        diff.hline(0, color: .ink, width: 1, dash: .solid)
        diff.scatter(x: n, y: rows.map { 100 * ($0.nngpAccuracy - $0.row.paperNNGP) }, marker: .circle, size: 9,
                     color: Self.nngpColor, label: "ours: NNGP − paper NNGP")
        if !withNTK.isEmpty {
            diff.scatter(x: withNTK.map { Double($0.row.trainSize) }, y: withNTK.map { 100 * ($0.ntkAccuracy! - $0.row.paperNNGP) },
                         marker: .triangle, size: 9, color: Self.ntkColor, label: "ours: NTK-GP − paper NNGP")
        }
        diff.scatter(x: n, y: rows.map { 100 * ($0.row.paperNN - $0.row.paperNNGP) }, marker: .square, size: 8,
                     color: Self.nnColor, label: "paper: NN − paper NNGP")
        diff.yLimits = -1.6...1.3

        let timing = rows.map { String(format: "%dk: %.0f s, %@", $0.row.trainSize / 1000, $0.seconds,
                                       MemoryBudget.describe(Double($0.peakBytes))) }.joined(separator: "; ")
        return Figure(width: 1400, height: 560, scale: 2, rows: 1, columns: 2,
                      title: "Lee et al. 2018, Table 1 (MNIST, ReLU) reproduced with the exact NNGP kernel — time and peak memory per row: \(timing)",
                      panels: [acc, diff])
    }
}

CommandMain.run(Lee2018.self)
