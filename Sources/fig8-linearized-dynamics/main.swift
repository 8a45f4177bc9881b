// fig8-linearized-dynamics — the network, its linearisation and the infinite-width NTK model
// during training (source 003, Figs. 1 and 3–6; Lee et al. 2019, Thm 2.1). Claims 22–24b
// (docs/SPEC.md §4, §2h).
import ArgumentParser
import Foundation
import NTKCore
import NTKFigures
import NTKPlot

struct Fig8: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Fig8LinearizedDynamics.name,
        abstract: "Source 003 Figs. 1, 3–6 and Lee et al. 2019 Thm 2.1: a one-hidden-layer ReLU net, its linearisation and the infinite-width NTK during GD.",
        discussion: """
        Sources: source 003 (a blog on the implications of the NTK: its Figs. 1 and 3–6, eqs. 6 and 13–14) and \
        Lee et al. 2019, "Wide neural networks of any depth evolve as linear models under gradient descent", Thm 2.1. \
        Setup [Prop]: L = 2 (one hidden ReLU layer), β = 0.1, inputs (x, 1), 3 training points, full-batch GD \
        on (1/2N)Σ(f − y)² with η = 0.5 for T = 300 steps. Paper scale: widths 100, 300, 1000, 3000, 10000, 50 \
        seeds each; quick: 300, 1000, 3000, 16 seeds. Panels: (a) predictions over time of source 003's "full \
        model" (the network at the linear model's closed-form parameters), the GD-trained network, its \
        linearisation and the infinite-width model from the same f0; (b) the same at several widths; (c) \
        RMSE(f_T, f_lin,T), ‖θ_T − θ0‖/‖θ0‖, the kernel's motion and the full model's miss against width; (d) \
        training losses against the bound L_t ≤ e^{−2ηλmin t/N}·L_0 (source 003's eq. 6, corrected); (e) \
        Θ∞(x*, x) over R² for x = (0,1), (1,1), (3,1). Writes fig8-linearized-dynamics.{png,csv,json} into --out.
        Claims checked: 22 (RMSE(f, f_lin) slope), 22b (parameter-change slope −½), 22c (kernel-motion slope), \
        23 (the linearised model interpolates), 23b (the "full model" misses, less at larger width), 24 (fixed-kernel \
        models obey the bound exactly), 24b (networks obey it up to their kernel's drift).
        """)

    @OptionGroup var options: FigureOptions

    func run() throws {
        try FigureDriver.run(name: Fig8LinearizedDynamics.name, options: options) { progress in
            let r = try Fig8LinearizedDynamics.compute(.forScale(options.scale), seed: options.seed, progress: progress)
            return (r.output, render(r))
        }
    }

    /// Light (step 0) to dark (step T), as source 003's Figs. 4–5 (darkest = final).
    func stepColor(_ i: Int, of n: Int) -> Color {
        Color(hex: 0xB7D3EA).mixed(with: Color(hex: 0x08306B), Double(i) / Double(max(n - 1, 1)))
    }

    func yRange(_ curves: [[Double]], _ ys: [Double]) -> ClosedRange<Double> {
        let all = curves.flatMap { $0 } + ys
        let lo = all.min()!, hi = all.max()!, pad = 0.08 * (hi - lo)
        return (lo - pad) ... (hi + pad)
    }

    func trainPoints(_ p: inout Panel, _ c: Fig8LinearizedDynamics.Config, label: String? = nil) {
        p.scatter(x: c.trainX, y: c.trainY, marker: .square, size: 8, color: Palette.tab10[3], label: label)
    }

    /// Panel (a): one model's predictions at the curve steps.
    func overTime(_ r: Fig8LinearizedDynamics.Result, run: Fig8LinearizedDynamics.Run, curves: [[Double]], title: String,
                  yLimits: ClosedRange<Double>, legend: Bool) -> Panel {
        var p = Panel(title: title, xLabel: "x  (input (x, 1))", yLabel: "f(x)", xLimits: r.config.gridRange,
                      yLimits: yLimits, legend: legend ? .lowerLeft : .hidden)
        let steps = r.config.curveSteps
        for (i, k) in steps.enumerated() {
            p.line(x: r.gridX, y: curves[i], color: stepColor(i, of: steps.count), width: i == steps.count - 1 ? 2.2 : 1.3,
                   label: i == 0 || i == steps.count - 1 || i == steps.count / 2 ? "t = \(fmt(r.config.learningRate * Double(k)))" : nil)
        }
        trainPoints(&p, r.config, label: legend ? "training points" : nil)
        return p
    }

    /// Panel (b): all four models at one width, at an intermediate step and at T.
    func atWidth(_ r: Fig8LinearizedDynamics.Result, run: Fig8LinearizedDynamics.Run, yLimits: ClosedRange<Double>,
                 legend: Bool) -> Panel {
        let steps = r.config.curveSteps, last = steps.count - 1, mid = steps.firstIndex(of: 10) ?? steps.count / 2
        let t = { (i: Int) in fmt(r.config.learningRate * Double(steps[i])) }
        var p = Panel(title: "(b) n = \(run.width): t = \(t(mid)) and t = \(t(last))", xLabel: "x", yLabel: "f(x)",
                      xLimits: r.config.gridRange, yLimits: yLimits, legend: legend ? .upperCenter : .hidden)
        let blue = Palette.tab10[0], orange = Palette.tab10[1]
        for (i, alpha) in [(mid, 0.45), (last, 1.0)] {
            let final = i == last
            p.line(x: r.gridX, y: run.infinite[i], color: Color(gray: 0.2).withAlpha(alpha), width: 1,
                   label: final ? "infinite-width NTK" : nil)
            p.line(x: r.gridX, y: run.network[i], color: blue.withAlpha(alpha), width: 2.2, label: final ? "network (GD)" : nil)
            p.line(x: r.gridX, y: run.linearized[i], color: orange.withAlpha(alpha), width: 1.8, dash: .dashed,
                   label: final ? "linearisation" : nil)
            if final {
                p.line(x: r.gridX, y: run.blogFullModel[i], color: Palette.tab10[3], width: 1.6, dash: .dotted,
                       label: "net at linear θ_t (source 003 'full model')")
            }
        }
        trainPoints(&p, r.config)
        return p
    }

    /// Panel (c): the distances against width on log-log axes, with fitted slopes.
    func distances(_ r: Fig8LinearizedDynamics.Result) -> Panel {
        var p = Panel(title: "(c) distance from the linear model vs width (slopes ± SE)",
                      xLabel: "width n", yLabel: "relative size", xScale: .log10, yScale: .log10,
                      yLimits: 1e-3 ... 1, legend: .lowerLeft)
        let widths = r.config.widths.map(Double.init)
        let s = r.slopes
        let series: [(String, KeyPath<Fig8LinearizedDynamics.Run, Double>, (slope: Double, standardError: Double), Color)] = [
            ("sup_t RMSE(f, f_lin)", \.supRMSE, s.supRMSE, Palette.tab10[0]),
            ("RMSE(f_T, f_lin,T)", \.rmse, s.rmse, Palette.tab10[9]),
            ("‖θ_T − θ0‖/‖θ0‖", \.parameterChange, s.parameterChange, Palette.tab10[1]),
            ("sup_t ‖Θ_t − Θ0‖/‖Θ0‖", \.kernelMotion, s.kernelMotion, Palette.tab10[2]),
            ("'full model' miss", \.blogTrainMiss, s.blogTrainMiss, Palette.tab10[3]),
        ]
        for (name, kp, fit, color) in series {
            p.scatter(x: r.runs.map { Double($0.width) }, y: r.runs.map { $0[keyPath: kp] }, size: 3.5, color: color, alpha: 0.35)
            let means = r.config.widths.map { w -> Double in
                let v = r.runs.filter { $0.width == w }.map { log($0[keyPath: kp]) }
                return exp(v.reduce(0, +) / Double(v.count))
            }
            p.line(x: widths, y: means, color: color, width: 2, label: "\(name): \(String(format: "%.2f ± %.2f", fit.slope, fit.standardError))",
                   marker: .circle)
        }
        // The n^−½ reference through the RMSE's first mean.
        let m0 = exp(r.runs.filter { $0.width == r.config.widths[0] }.map { log($0.rmse) }.reduce(0, +) / Double(r.config.seeds))
        p.line(x: widths, y: widths.map { m0 * pow($0 / widths[0], -0.5) * 0.5 }, color: Color(gray: 0.45), width: 1,
               dash: .dotted, label: "slope −½")
        return p
    }

    /// Panel (d): training losses divided by the eigenvalue bound (≤ 1 where the bound holds).
    func losses(_ r: Fig8LinearizedDynamics.Result) -> Panel {
        var p = Panel(title: "(d) loss ÷ its bound L_0·e^{−2ηλmin(Θ)t/N} (≤ 1: holds)", xLabel: "time t = ηk",
                      yLabel: "L_t / bound", yScale: .log10, legend: .lowerLeft)
        let eta = r.config.learningRate
        let ks = (0...r.config.steps).map(Double.init), ts = ks.map { eta * $0 }
        func ratio(_ l: [Double], _ rate: Double) -> [Double] {
            zip(l, ks).map { $0 / (l[0] * exp(-2 * rate * $1)) }
        }
        let shown = r.config.plottedWidths
        for (i, w) in shown.enumerated() {
            let run = r.runs.first { $0.width == w && $0.seedIndex == 0 }!
            let color = Palette.tab10[i]
            p.line(x: ts, y: ratio(run.lossNetwork, run.rateMin), color: color, width: 2, label: "network n = \(w), bound from its Θ0")
            p.line(x: ts, y: ratio(run.lossLinearized, run.rateMin), color: color, width: 1.5, dash: .dashed,
                   label: i == 0 ? "linearisations (dashed)" : nil)
        }
        let last = r.runs.first { $0.width == shown.last! && $0.seedIndex == 0 }!
        p.line(x: ts, y: ratio(last.lossInfinite, r.infiniteRates[0]), color: .black, width: 1.4,
               label: "infinite-width NTK, bound from Θ∞")
        p.hline(1, color: Palette.tab10[3], width: 1.6, dash: .solid, label: "the bound")
        return p
    }

    /// Panel (e): Θ∞(x*, x) over R², the point x, the line x₂ = 1 of the 1-D inputs, the unit circle.
    func heatmap(_ r: Fig8LinearizedDynamics.Result, _ i: Int) -> Panel {
        let c = r.config.heatmapCenters[i], range = r.config.heatmapRange
        var p = Panel(title: "(e) Θ∞(x*, x), x = (\(fmt(c[0])), \(fmt(c[1])))", xLabel: "x*₁", yLabel: "x*₂", legend: .hidden)
        p.heatmap(r.heatmaps[i], extent: Extent(left: range.lowerBound, right: range.upperBound, bottom: range.lowerBound,
                                                top: range.upperBound), origin: .lower, colorBarLabel: "Θ∞(x*, x)")
        let cyan = Color(hex: 0x17BECF)
        p.line(x: [range.lowerBound, range.upperBound], y: [1, 1], color: cyan, width: 1.4, dash: .dashed)
        let angles = (0...120).map { 2 * Double.pi * Double($0) / 120 }
        p.line(x: angles.map(cos), y: angles.map(sin), color: .white, width: 1.2)
        p.scatter(x: [c[0]], y: [c[1]], size: 10, color: cyan)
        p.xLimits = range
        p.yLimits = range
        return p
    }

    func render(_ r: Fig8LinearizedDynamics.Result) -> Figure {
        let c = r.config
        let narrow = r.runs.first { $0.width == c.widths[0] && $0.seedIndex == 0 }!
        let curvesA = [narrow.blogFullModel, narrow.network, narrow.linearized, narrow.infinite]
        let yA = yRange(curvesA.flatMap { $0 }, c.trainY)
        var panels = [Panel]()
        let titles = ["(a) source 003's 'full model': net at the linear θ_t", "(a) network trained by GD",
                      "(a) its linearisation (same θ0)", "(a) infinite-width NTK from the same f0"]
        for (i, (curves, t)) in zip(curvesA, titles).enumerated() {
            panels.append(overTime(r, run: narrow, curves: curves, title: "\(t), n = \(narrow.width)", yLimits: yA, legend: i == 0))
        }
        let runsB = c.plottedWidths.map { w in r.runs.first { $0.width == w && $0.seedIndex == 0 }! }
        let yB = yRange(runsB.flatMap { [$0.network.last!, $0.blogFullModel.last!, $0.infinite.last!] }, c.trainY)
        for (i, run) in runsB.enumerated() { panels.append(atWidth(r, run: run, yLimits: yB, legend: i == 0)) }
        panels.append(distances(r))
        panels.append(losses(r))
        for i in 0..<c.heatmapCenters.count { panels.append(heatmap(r, i)) }
        return Figure(width: 2000, height: 1400, scale: 2, rows: 3, columns: 4,
                      title: "One-hidden-layer ReLU network, its linearisation and the infinite-width NTK during gradient descent (η = \(fmt(c.learningRate)), \(c.trainX.count) training points [Prop])",
                      panels: panels)
    }
}

CommandMain.run(Fig8.self)
