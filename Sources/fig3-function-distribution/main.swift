// fig3-function-distribution — reproduces Figure 2 of Jacot, Gabriel & Hongler (2018):
// the network function at the end of training against the infinite-width law. Claims 13, 14, 14b.
import ArgumentParser
import Foundation
import NTKCore
import NTKFigures
import NTKPlot

struct Fig3: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Fig3FunctionDistribution.name,
        abstract: "Figure 2: f(γ) of trained L=4 networks vs the limiting Gaussian (10/50/90%) and the NTK posterior.",
        discussion: """
        Least squares on 4 circle points γ ∈ {−2.2, −0.8, 0.6, 2.0} with f* = x1·x2 [Prop], 1000 GD \
        steps with lr 1. Paper scale: widths 50 and 1000, 50 seeds each [Prop]; quick: widths 50 and 500, \
        40 seeds. The limiting law uses the analytic Θ∞ and Σ (docs/SPEC.md §2c) at T. Writes \
        fig3-function-distribution.{png,csv,json} into --out.
        Claims checked: 13 (mean network ≈ kernel-regression mean), 14 (coverage of the 10–90% band), 14b (mean standardised squared residual (f − m)²/v∞ ≈ 1).
        """)

    @OptionGroup var options: FigureOptions

    func run() throws {
        try FigureDriver.run(name: Fig3FunctionDistribution.name, options: options) { progress in
            let r = try Fig3FunctionDistribution.compute(.forScale(options.scale), seed: options.seed, progress: progress)
            return (r.output, render(r))
        }
    }

    func render(_ r: Fig3FunctionDistribution.Result) -> Figure {
        let z = Fig3FunctionDistribution.z90
        var panels = [Panel]()
        for (wi, w) in r.config.widths.enumerated() {
            var p = Panel(title: "width n = \(w), \(r.config.seeds) networks, t = \(r.config.steps)",
                          xLabel: "γ  (x = (cos γ, sin γ))", yLabel: "f(x)", xLimits: -Double.pi...Double.pi,
                          yLimits: -1.3...0.9, legend: .lowerCenter)
            p.band(x: r.gammas, lower: zip(r.mean, r.sdPosterior).map { $0 - z * $1 },
                   upper: zip(r.mean, r.sdPosterior).map { $0 + z * $1 }, color: Palette.tab10[2], alpha: 0.18,
                   label: "NTK posterior 10–90%")
            p.band(x: r.gammas, lower: zip(r.mean, r.sdLimit).map { $0 - z * $1 },
                   upper: zip(r.mean, r.sdLimit).map { $0 + z * $1 }, color: Palette.tab10[0], alpha: 0.28,
                   label: "n → ∞ law 10–90%")
            for (s, f) in r.functions[wi].enumerated() {
                p.line(x: r.gammas, y: f, color: Palette.tab10[1], width: 0.8, label: s == 0 ? "trained networks" : nil)
            }
            p.line(x: r.gammas, y: r.mean, color: .black, width: 2.2, label: "median = NTK regression")
            p.scatter(x: r.trainX, y: r.trainY, marker: .square, size: 8, color: Palette.tab10[3], label: "training points")
            panels.append(p)
        }
        return Figure(width: 1100, height: 460, scale: 2, rows: 1, columns: panels.count,
                      title: "Network function at the end of training vs the infinite-width law, L=4 (training points [Prop])",
                      panels: panels)
    }
}

CommandMain.run(Fig3.self)
