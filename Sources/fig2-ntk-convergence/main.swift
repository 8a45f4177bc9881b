// fig2-ntk-convergence — reproduces the poster panel "Convergence of the NTK in the
// infinite-width limit" (Jacot, Gabriel & Hongler 2018). Claims 7, 8, 9 (docs/SPEC.md §4).
import ArgumentParser
import Foundation
import NTKCore
import NTKFigures
import NTKPlot

struct Fig2: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Fig2NTKConvergence.name,
        abstract: "Poster figure: ‖Θ0 − Θ∞‖_F and ‖Θ_T − Θ0‖_F against the width, on log-log axes.",
        discussion: """
        L=4 ReLU networks (β=0.1) trained as in Figure 1 (f* = x1·x2 on N = 50 Gaussian inputs, lr 1) \
        for T = 100 steps [Prop]. Distances on a fixed batch: the 4 circle points γ = 0, π/2, π, 3π/2 \
        and a 41-point grid. Paper scale: widths 2^5…2^13, 5 seeds each; quick: 2^5…2^10. Writes \
        fig2-ntk-convergence.{png,csv,json} into --out.
        Claims checked: 7 (distance to the limit ∝ n^−1/2), 8 (relative distance at the largest \
        width), 9 (change during training ∝ 1/n).
        """)

    @OptionGroup var options: FigureOptions
    @OptionGroup var training: TrainingPrecisionOption

    func run() throws {
        try FigureDriver.run(name: Fig2NTKConvergence.name, options: options) { progress in
            var config = Fig2NTKConvergence.Config.forScale(options.scale)
            config.trainingPrecision = training.trainingPrecision
            let r = try Fig2NTKConvergence.compute(config, seed: options.seed, progress: progress)
            return (r.output, render(r))
        }
    }

    /// One log-log panel: per-seed points, per-width geometric means, fitted slopes, and
    /// reference lines of slope −1/2 and −1 through the first mean.
    func panel(_ r: Fig2NTKConvergence.Result, title: String, toLimit: KeyPath<Fig2NTKConvergence.Run, Double>,
               drift: KeyPath<Fig2NTKConvergence.Run, Double>, slopes: (Double, Double)) -> Panel {
        let widths = r.config.widths.map(Double.init)
        var p = Panel(title: title, xLabel: "width n", yLabel: "Frobenius norm", xScale: .log10, yScale: .log10,
                      legend: .lowerLeft)
        let orange = Palette.tab10[1], blue = Palette.tab10[0]
        for (kp, color, name, slope) in [(toLimit, orange, "‖Θ0 − Θ∞‖_F", slopes.0),
                                         (drift, blue, "‖Θ_T − Θ0‖_F, T = \(r.config.steps)", slopes.1)] {
            p.scatter(x: r.runs.map { Double($0.width) }, y: r.runs.map { $0[keyPath: kp] }, size: 4, color: color, alpha: 0.45)
            let means = r.config.widths.map { w -> Double in
                let v = r.runs.filter { $0.width == w }.map { log($0[keyPath: kp]) }
                return exp(v.reduce(0, +) / Double(v.count))
            }
            p.line(x: widths, y: means, color: color, width: 2, label: "\(name)  (slope \(String(format: "%.2f", slope)))",
                   marker: .circle)
            let ref = slope < -0.75 ? -1.0 : -0.5
            p.line(x: widths, y: widths.map { means[0] * pow($0 / widths[0], ref) }, color: Color(gray: 0.45), width: 1,
                   dash: .dotted, label: ref == -1 ? "slope −1" : "slope −1/2")
        }
        return p
    }

    func render(_ r: Fig2NTKConvergence.Result) -> Figure {
        let a = panel(r, title: "4 circle points (γ = 0, π/2, π, 3π/2)", toLimit: \.toLimit4, drift: \.drift4,
                      slopes: (r.slopes.toLimit4, r.slopes.drift4))
        let b = panel(r, title: "\(r.config.gridPoints)-point grid on the circle", toLimit: \.toLimit41, drift: \.drift41,
                      slopes: (r.slopes.toLimit41, r.slopes.drift41))
        return Figure(width: 1100, height: 460, scale: 2, rows: 1, columns: 2,
                      title: "Convergence of the NTK to its limit, L=4, \(r.config.seeds) seeds per width (points: seeds; lines: geometric means)",
                      panels: [a, b])
    }
}

CommandMain.run(Fig2.self)
