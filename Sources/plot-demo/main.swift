// plot-demo: renders the demonstration figures of the plotting module (issue 4) from synthetic,
// seeded data. Run with `make plot-demo`; writes into --out (default figures/demo):
//   demo-lines-loglog.png  two panels: lines with quantile bands and a legend; a log-log scatter
//                          with a least-squares power-law fit and a 1/√n reference line
//   demo-heatmap.png       a kernel-like matrix as a viridis heatmap with a colour bar
//   demo-image-grid.png    synthetic 28×28 "digits" in a tile grid with coloured frames
// The data are synthetic stand-ins with the shapes of the paper's figures, not results.
import ArgumentParser
import Foundation
import NTKCore
import NTKFigures
import NTKPlot

/// Runs per width in the band panel (quantiles are taken across them).
let bandRuns = 32
/// Seeds (networks) per width in the log-log panel.
let scatterSeedsPerWidth = 6

struct PlotDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot-demo",
        abstract: "Renders the NTKPlot demonstration figures from seeded synthetic data.")

    @Option(help: "Output directory.")
    var out: String = "figures/demo"

    @Option(help: "Seed of the synthetic data.")
    var seed: UInt64 = 4

    @Option(help: "Device pixels per logical pixel (2 for print).")
    var scale: Double = 2

    func run() throws {
        let files: [(String, Figure, String)] = [
            ("demo-lines-loglog.png", linesAndLogLog(), "NTKPlot demo: bands, legend, log-log fit"),
            ("demo-heatmap.png", heatmap(), "NTKPlot demo: heatmap with colour bar"),
            ("demo-image-grid.png", imageGrid(), "NTKPlot demo: image tile grid"),
        ]
        for (name, figure, title) in files {
            let path = out + "/" + name
            try figure.write(pngPath: path, metadata: Provenance.metadata(title: title, seed: seed))
            print("wrote \(path)")
        }
    }

    /// Quantile of sorted values (linear interpolation).
    func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let u = q * Double(sorted.count - 1)
        let i = Int(u), f = u - Double(i)
        return i + 1 < sorted.count ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i]
    }

    func linesAndLogLog() -> Figure {
        var rng = SeededGenerator.stream(seed: seed, label: 1)
        // (a) Synthetic training-loss curves: e^{−t/τ} with run-to-run fluctuation ∝ 1/√width.
        let ts = (0...120).map { Double($0) / 12 }
        var left = Panel(title: "Training loss (synthetic)", xLabel: "time t", yLabel: "loss")
        for (k, width) in [50, 500, 5000].enumerated() {
            let color = Palette.color(k)
            var runs: [[Double]] = []
            for _ in 0..<bandRuns {
                let tau = 2.0 * (1 + rng.nextStandardNormal() * 2 / Double(width).squareRoot())
                let amp = 1 + rng.nextStandardNormal() * 1.5 / Double(width).squareRoot()
                runs.append(ts.map { amp * exp(-$0 / tau) + 0.05 * Double(k) })
            }
            var lo: [Double] = [], hi: [Double] = [], med: [Double] = []
            for i in ts.indices {
                let col = runs.map { $0[i] }.sorted()
                lo.append(quantile(col, 0.1)); hi.append(quantile(col, 0.9)); med.append(quantile(col, 0.5))
            }
            left.band(x: ts, lower: lo, upper: hi, color: color, alpha: 0.22)
            left.line(x: ts, y: med, color: color, label: "width \(width)")
        }
        left.hline(0, label: "limit")
        left.series.append(.band(BandSeries(x: [], lower: [], upper: [], color: Color(gray: 0.5), alpha: 0.3,
                                            label: "10–90 % of \(bandRuns) runs")))

        // (b) Synthetic ‖Θ − Θ∞‖/‖Θ∞‖ ∝ n^(−1/2) with log-normal scatter, and its fit.
        var right = Panel(title: "Kernel deviation vs width (synthetic)", xLabel: "width n",
                          yLabel: "relative deviation", xScale: .log10, yScale: .log10)
        var xs: [Double] = [], ys: [Double] = []
        for w in [10.0, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] {
            for _ in 0..<scatterSeedsPerWidth {
                xs.append(w)
                ys.append(1.3 / w.squareRoot() * exp(0.25 * rng.nextStandardNormal()))
            }
        }
        // Least squares in log space: log y = a + b log x (2×2 normal equations, closed form).
        let lx = xs.map { log10($0) }, ly = ys.map { log10($0) }
        let mx = lx.reduce(0, +) / Double(lx.count), my = ly.reduce(0, +) / Double(ly.count)
        let sxy = zip(lx, ly).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
        let sxx = lx.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
        let slope = sxy / sxx, intercept = my - slope * mx
        right.scatter(x: xs, y: ys, size: 6, color: Palette.color(0), alpha: 0.7, label: "seeds")
        let fx = [8.0, 12500]
        right.line(x: fx, y: fx.map { pow(10, intercept + slope * log10($0)) }, color: Palette.color(3),
                   label: String(format: "fit: slope %@%.2f", slope < 0 ? "−" : "", abs(slope)))
        right.line(x: fx, y: fx.map { 1.3 / $0.squareRoot() }, color: Color(gray: 0.3), width: 1.25, dash: .dashed,
                   label: "∝ 1/√n")
        return Figure(width: 1000, height: 400, scale: scale, rows: 1, columns: 2, panels: [left, right])
    }

    func heatmap() -> Figure {
        // Arc-cosine kernel of degree 1 (Cho & Saul 2009) on unit-circle inputs x(γ) = (cos γ, sin γ),
        // plus seeded noise: a synthetic stand-in for an empirical kernel matrix.
        var rng = SeededGenerator.stream(seed: seed, label: 2)
        let n = 64
        let g = (0..<n).map { -Double.pi + (Double($0) + 0.5) * 2 * .pi / Double(n) }
        var m = Matrix(rows: n, columns: n, repeating: 0)
        for i in 0..<n {
            for j in 0...i {
                let th = acos(max(-1, min(1, cos(g[i] - g[j]))))
                let v = (sin(th) + (.pi - th) * cos(th)) / .pi + 0.02 * rng.nextStandardNormal()
                m[i, j] = v; m[j, i] = v
            }
        }
        var p = Panel(title: "Kernel on the unit circle (synthetic)", xLabel: "γ₁", yLabel: "γ₂")
        p.heatmap(m, extent: Extent(left: -.pi, right: .pi, bottom: -.pi, top: .pi), origin: .lower,
                  colorBarLabel: "Θ(x(γ₁), x(γ₂))")
        return Figure(width: 520, height: 440, scale: scale, panels: [p])
    }

    func imageGrid() -> Figure {
        // Gaussian-blob "digits": a ring or a bar per class, jittered by the seeded generator.
        var rng = SeededGenerator.stream(seed: seed, label: 3)
        var images: [[Double]] = [], frames: [Color?] = [], captions: [String] = []
        for k in 0..<12 {
            let ring = k % 2 == 0
            let cx = 13.5 + rng.nextStandardNormal(), cy = 13.5 + rng.nextStandardNormal()
            let angle = Double(k) * 0.4
            var img = [Double](repeating: 0, count: 28 * 28)
            for y in 0..<28 {
                for x in 0..<28 {
                    let dx = Double(x) - cx, dy = Double(y) - cy
                    let v: Double
                    if ring {
                        let r = (dx * dx + dy * dy).squareRoot()
                        v = exp(-pow(r - 8, 2) / 4)
                    } else {
                        let across = -dx * sin(angle) + dy * cos(angle), along = dx * cos(angle) + dy * sin(angle)
                        v = exp(-across * across / 3) * (abs(along) < 10 ? 1 : exp(-pow(abs(along) - 10, 2) / 2))
                    }
                    img[y * 28 + x] = min(1, v)
                }
            }
            images.append(img)
            let correct = k % 5 != 3
            frames.append(correct ? Palette.okabeIto[2] : Palette.okabeIto[5])
            captions.append(correct ? "\(ring ? 0 : 1) ✓" : "\(ring ? 0 : 1) → \(ring ? 1 : 0)")
        }
        let p = Panel.imageGrid(title: "Image tiles with frames (synthetic)", images: images, imageWidth: 28,
                                imageHeight: 28, columns: 6, frames: frames, captions: captions)
        return Figure(width: 640, height: 310, scale: scale, panels: [p])
    }
}

CommandMain.run(PlotDemo.self)
