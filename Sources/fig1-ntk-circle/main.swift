// fig1-ntk-circle — reproduces Figure 1 of Jacot, Gabriel & Hongler (2018):
// "NTK at initialisation and after training, L=4". Claims 6, 6b, 10, 11 (docs/SPEC.md §4).
import ArgumentParser
import Foundation
import NTKCore
import NTKFigures
import NTKPlot

struct Fig1: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Fig1NTKCircle.name,
        abstract: "Figure 1: the NTK Θ(x0, x(γ)) of L=4 ReLU networks on the unit circle, at t=0 and t=200, vs the limit.",
        discussion: """
        Paper scale: widths 500 and 10000, 10 seeds each, every network trained for 200 GD steps \
        (lr 1) on f*(x) = x1·x2 with N = 50 Gaussian inputs [Prop], in float32 unless \
        --training-precision float64 (about 15 min on 2 cores); quick scale: widths 250 and 1000, \
        4 seeds. Writes fig1-ntk-circle.{png,csv,json} into --out.
        Claims checked: 6 and 6b (mean NTK at init ≈ limit), 10 (inflation during training at small \
        width, little at large width), 11 (training converges).
        """)

    @OptionGroup var options: FigureOptions
    @OptionGroup var training: TrainingPrecisionOption

    func run() throws {
        try FigureDriver.run(name: Fig1NTKCircle.name, options: options) { progress in
            var config = Fig1NTKCircle.Config.forScale(options.scale)
            config.trainingPrecision = training.trainingPrecision
            let r = try Fig1NTKCircle.compute(config, seed: options.seed, progress: progress)
            return (r.output, render(r))
        }
    }

    func render(_ r: Fig1NTKCircle.Result) -> Figure {
        let colors = [Palette.tab10[0], Palette.tab10[1], Palette.tab10[2]]
        var kernel = Panel(title: "Θ(x0, x(γ)), L=4, β=0.1", xLabel: "γ  (x = (cos γ, sin γ))", yLabel: "Θ(x0, x)",
                           xLimits: -Double.pi...Double.pi, legend: .upperRight)
        var loss = Panel(title: "Training loss (f* = x1·x2, N = \(r.config.trainingPoints))", xLabel: "t (steps × lr)",
                         yLabel: "loss", yScale: .log10, legend: .upperRight)
        for (wi, w) in r.config.widths.enumerated() {
            let c = colors[wi % colors.count]
            for run in r.runs where run.width == w {
                let first = run.seedIndex == 0
                kernel.line(x: r.gammas, y: run.ntk0, color: c, width: 1.0, label: first ? "n = \(w), t = 0" : nil)
                kernel.line(x: r.gammas, y: run.ntkT, color: c, width: 1.0, dash: .dashed,
                            label: first ? "n = \(w), t = \(r.config.steps)" : nil)
                loss.line(x: (0..<run.losses.count).map(Double.init), y: run.losses, color: c, width: 1.0,
                          label: first ? "n = \(w)" : nil)
            }
        }
        kernel.line(x: r.gammas, y: r.limit, color: .black, width: 3.0, label: "limit Θ∞(4)")
        return Figure(width: 1100, height: 440, scale: 2, rows: 1, columns: 2,
                      title: "NTK at initialisation and after training (\(r.config.seeds) seeds per width)",
                      panels: [kernel, loss])
    }
}

CommandMain.run(Fig1.self)
