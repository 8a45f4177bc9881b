// fig7-pntk-approximation — the pNTK approximation of the empirical NTK (Mohamadi, Bae &
// Sutherland, ICML 2023; source document 001). Claims 18, 18a–18d (docs/SPEC.md §2g, §4).
import ArgumentParser
import Foundation
import NTKCore
import NTKFigures
import NTKPlot

struct Fig7: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Fig7PNTKApproximation.name,
        abstract: "pNTK vs eNTK: how well Θ̂ ⊗ I, Θ̂ = (1/O)·1ᵀΘ1, approximates the empirical NTK Θ, against the width.",
        discussion: """
        Sources: Mohamadi, Bae & Sutherland (ICML 2023), "A fast, well-founded approximation to the \
        empirical neural tangent kernel", arXiv 2206.12543; source document 001 (M. A. Mohamadi, "A tale \
        of ∞-wide neural networks", MILD talk, Sept. 2022). Setup [Prop, docs/SPEC.md §2g]: L = 3 ReLU \
        networks (β = 0.1, O = 10 outputs) at initialisation on 64 MNIST training digits (pixels/255); \
        kernel regression onto one-hot targets, tested on held-out digits. Paper scale: widths \
        2^6…2^12, 5 seeds each, 1000 test digits; quick: 2^6…2^10, 200 test digits. Needs MNIST in \
        data/mnist (or NTK_DATA_DIR). Writes fig7-pntk-approximation.{png,csv,json} into --out.
        Panels: (a) ‖Θ − Θ̂⊗I‖_F/‖Θ‖_F and (b) the relative λmax error, in the NTK and the standard \
        parametrisation; (c, d) the size of Θ − Θ̂⊗I on the output-diagonal and off-diagonal blocks in \
        each parametrisation; (e) the relative difference of kernel-regression predictions from Θ̂⊗I and \
        from Θ, ridgeless and with ridges; (f) the same for the sum-of-logits kernel without the 1/O.
        Claims checked: 18 (the Frobenius error ∝ n^−1/2 and small at n = 4096), 18a (λmax error \
        ∝ n^−1/2, within Weyl's bound), 18b (ridgeless predictions agree ∝ n^−1/2), 18c (with a ridge \
        the approximation still holds, contrary to source 001), 18d (without the 1/O a ridge breaks it).
        """)

    @OptionGroup var options: FigureOptions

    func run() throws {
        try FigureDriver.run(name: Fig7PNTKApproximation.name, options: options) { progress in
            let r = try Fig7PNTKApproximation.compute(.forScale(options.scale), seed: options.seed, progress: progress)
            return (r.output, render(r))
        }
    }

    typealias Run = Fig7PNTKApproximation.Run

    static let ntkColor = Palette.tab10[0]
    static let standardColor = Palette.tab10[1]
    static let ridgeColors = [Palette.tab10[2], Palette.tab10[4], Palette.tab10[3]]
    static let reference = Color(gray: 0.45)

    func slopeLabel(_ s: Double) -> String { String(format: "slope %.2f", s) }

    /// Per-seed points and the per-width geometric mean (with its fitted slope in the label).
    func meanCurve(_ p: inout Panel, _ r: Fig7PNTKApproximation.Result, _ f: (Run) -> Double, color: Color,
                   label: String, dash: LineDash = .solid, marker: MarkerShape = .circle, seeds: Bool = true) {
        let s = r.slope(f)
        if seeds {
            p.scatter(x: r.runs.map { Double($0.width) }, y: r.runs.map(f), size: 3.5, color: color, alpha: 0.35)
        }
        p.line(x: r.config.widths.map(Double.init), y: s.geometricMeans, color: color, width: 2, dash: dash,
               label: "\(label) (\(slopeLabel(s.slope)))", marker: marker)
    }

    /// A dotted reference line ∝ n^power through (n_ref, y_ref).
    func referenceLine(_ p: inout Panel, widths: [Int], through: (Double, Double), power: Double, label: String) {
        let x = widths.map(Double.init)
        p.line(x: x, y: x.map { through.1 * pow($0 / through.0, power) }, color: Self.reference, width: 1.25,
               dash: .dotted, label: label)
    }

    func logPanel(_ title: String, yLabel: String, legend: LegendPosition = .lowerLeft) -> Panel {
        Panel(title: title, xLabel: "width n", yLabel: yLabel, xScale: .log10, yScale: .log10, legend: legend)
    }

    func errorPanel(_ r: Fig7PNTKApproximation.Result, title: String, yLabel: String,
                    _ f: (PNTKComparison) -> Double) -> Panel {
        var p = logPanel(title, yLabel: yLabel)
        meanCurve(&p, r, { f($0.ntk) }, color: Self.ntkColor, label: "NTK parametrisation")
        meanCurve(&p, r, { f($0.standard) }, color: Self.standardColor, label: "standard parametrisation", marker: .square)
        let w = r.config.widths
        let first = r.slope { f($0.ntk) }.geometricMeans[0]
        referenceLine(&p, widths: w, through: (Double(w[0]), first), power: -0.5, label: "∝ 1/√n")
        return p
    }

    func blockPanel(_ r: Fig7PNTKApproximation.Result, _ c: KeyPath<Run, PNTKComparison>, title: String) -> Panel {
        var p = logPanel(title, yLabel: "root mean square of the entries", legend: .automatic)
        let color = c == \Run.ntk ? Self.ntkColor : Self.standardColor
        meanCurve(&p, r, { $0[keyPath: c].kernelDiagonalRMS }, color: color.mixed(with: .black, 0.35),
                  label: "Θ, diagonal blocks", marker: .square, seeds: false)
        meanCurve(&p, r, { $0[keyPath: c].differenceDiagonalRMS }, color: color, label: "Θ − Θ̂⊗I, diagonal blocks")
        meanCurve(&p, r, { $0[keyPath: c].differenceOffDiagonalRMS }, color: color, label: "Θ − Θ̂⊗I, off-diagonal blocks",
                  dash: .dashed, marker: .triangle)
        let w = r.config.widths, last = Double(w.last!)
        let off = r.slope { $0[keyPath: c].differenceOffDiagonalRMS }.geometricMeans.last!
        if c == \Run.ntk {
            referenceLine(&p, widths: w, through: (last, off), power: -0.5, label: "∝ 1/√n")
        } else {
            let diag = r.slope { $0[keyPath: c].kernelDiagonalRMS }.geometricMeans.last!
            referenceLine(&p, widths: w, through: (last, diag), power: 1, label: "∝ n")
            referenceLine(&p, widths: w, through: (last, off), power: 0.5, label: "∝ √n")
        }
        return p
    }

    func predictionPanel(_ r: Fig7PNTKApproximation.Result) -> Panel {
        var p = logPanel("e  Kernel regression, \(r.config.trainDigits) → \(r.config.testDigits) digits: Θ̂⊗I vs Θ",
                         yLabel: "‖f_Θ − f_Θ̂‖ / ‖f_Θ‖")
        meanCurve(&p, r, { $0.predictionDifference[0] }, color: .ink, label: "ridgeless")
        for (k, ridge) in r.config.ridges.enumerated() {
            meanCurve(&p, r, { $0.predictionDifference[k + 1] }, color: Self.ridgeColors[k % 3],
                      label: "ridge \(fmt(ridge))·mean diag Θ", seeds: false)
        }
        // 1/√n through the widest ridgeless point, over the wider half of the widths.
        let w = r.config.widths
        referenceLine(&p, widths: Array(w.suffix((w.count + 1) / 2)),
                      through: (Double(w.last!), r.slope { $0.predictionDifference[0] }.geometricMeans.last!),
                      power: -0.5, label: "∝ 1/√n")
        return p
    }

    func unnormalisedPanel(_ r: Fig7PNTKApproximation.Result) -> Panel {
        var p = logPanel("f  With a ridge, O·Θ̂ (no 1/O) vs Θ: settles at Δ∞", yLabel: "‖f_Θ − f_OΘ̂‖ / ‖f_Θ‖",
                         legend: .lowerLeft)
        for (k, ridge) in r.config.ridges.enumerated() {
            let color = Self.ridgeColors[k % 3]
            meanCurve(&p, r, { $0.unnormalisedDifference[k] }, color: color, label: "O·Θ̂, ridge \(fmt(ridge))",
                      dash: .dashed, marker: .diamond, seeds: false)
            p.hline(r.infiniteWidthGap[k], color: color, width: 1.25, dash: .dotted,
                    label: "Δ∞ = \(String(format: "%.3f", r.infiniteWidthGap[k])): Θ∞ with λ vs λ/O")
        }
        let k = r.config.ridges.count - 1
        meanCurve(&p, r, { $0.predictionDifference[k + 1] }, color: Self.ridgeColors[k % 3],
                  label: "Θ̂ (with 1/O), ridge \(fmt(r.config.ridges[k]))", seeds: false)
        return p
    }

    func render(_ r: Fig7PNTKApproximation.Result) -> Figure {
        let a = errorPanel(r, title: "a  Relative Frobenius error of Θ̂⊗I", yLabel: "‖Θ − Θ̂⊗I‖_F / ‖Θ‖_F") {
            $0.relativeFrobeniusError
        }
        let b = errorPanel(r, title: "b  Relative error of the largest eigenvalue", yLabel: "|λmax(Θ) − λmax(Θ̂)| / λmax(Θ)") {
            $0.relativeLambdaMaxError
        }
        let c = blockPanel(r, \Run.standard, title: "c  Standard parametrisation: Θ and Θ − Θ̂⊗I by block")
        let d = blockPanel(r, \Run.ntk, title: "d  NTK parametrisation: Θ and Θ − Θ̂⊗I by block")
        let cfg = r.config
        return Figure(width: 1650, height: 1000, scale: 2, rows: 2, columns: 3,
                      title: "pNTK Θ̂ = (1/O)·1ᵀΘ1 against the empirical NTK Θ: L = \(cfg.depth) ReLU, β = \(cfg.beta), O = \(cfg.outputs), \(cfg.trainDigits) MNIST digits, \(cfg.seeds) seeds per width (points: seeds; lines: geometric means)",
                      panels: [a, b, c, d, predictionPanel(r), unnormalisedPanel(r)])
    }
}

CommandMain.run(Fig7.self)
