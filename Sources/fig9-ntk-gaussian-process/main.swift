// fig9-ntk-gaussian-process — the NTK Gaussian process over training time against an ensemble of
// trained networks (source 003, Fig. 7; source 004; Lee et al. 2019, §2.3). Claims 25–28b
// (docs/SPEC.md §4, §2i).
import ArgumentParser
import Foundation
import NTKCore
import NTKFigures
import NTKPlot

struct Fig9: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Fig9NTKGaussianProcess.name,
        abstract: "Source 003 Fig. 7 and Lee et al. 2019 §2.3: NTK-GP mean ± sd over training time vs an ensemble of trained networks.",
        discussion: """
        Sources: source 003 (a blog on the implications of the NTK, its Fig. 7 "neural tangent kernel Gaussian \
        processes"), source 004 (a summary of Lee et al. 2019: trained wide networks are draws from a Gaussian \
        process) and Lee et al. 2019, "Wide neural networks of any depth evolve as linear models under gradient \
        descent", §2.3. Setup [Prop]: L = 3 (two hidden ReLU layers), β = 0.1, inputs (x, 1), 4 training points, \
        full-batch GD on (1/2N)Σ(f − y)² with η = 1, compared at steps 0, 3, 10, 30, 100 and 300 (≈ ∞). Paper scale: \
        200 networks of width 1024; quick: 100 of width 512. The NTK-GP mean and covariance come from the analytic \
        Θ and Σ through the discrete-GD filter; the NNGP posterior (readout-only training at t = ∞) is the \
        contrasting band. Writes fig9-ntk-gaussian-process.{png,csv,json} into --out.
        Claims checked: 25 (ensemble mean = μ_t at every step), 25b (the mean of the networks' \
        linearisations = μ_t), 25c (the ensemble mean's departure from its linearisations' mean shrinks like n^−½ \
        or faster), 26 (ensemble variance = sd_t², pooled over the \
        grid), 27 (coverage of the ±1 sd and ±2 sd bands), 28 (away from the data the ensemble follows the \
        NTK-GP band, not the NNGP posterior's), 28b (at t = ∞ the NTK-GP variance is never below the NNGP \
        posterior's).
        """)

    @OptionGroup var options: FigureOptions

    func run() throws {
        try FigureDriver.run(name: Fig9NTKGaussianProcess.name, options: options) { progress in
            let r = try Fig9NTKGaussianProcess.compute(.forScale(options.scale), seed: options.seed, progress: progress)
            return (r.output, render(r))
        }
    }

    func shifted(_ m: [Double], _ sd: [Double], _ k: Double) -> [Double] { zip(m, sd).map { $0 + k * $1 } }

    /// One training time: the process's bands and mean, the ensemble's mean ± sd, a few networks.
    func snapshot(_ r: Fig9NTKGaussianProcess.Result, _ i: Int, yLimits: ClosedRange<Double>) -> Panel {
        let s = r.snapshots[i], c = r.config, last = i == r.snapshots.count - 1
        let t = fmt(c.learningRate * Double(s.step))
        var p = Panel(title: last ? "t = \(t) (≈ ∞), step \(s.step)" : "t = \(t), step \(s.step)",
                      xLabel: "x  (input (x, 1))", yLabel: "f(x)", xLimits: c.gridRange, yLimits: yLimits,
                      legend: i == 3 ? .upperRight : .hidden)
        let blue = Palette.tab10[0], orange = Palette.tab10[1], sd = s.sd
        // The full legend goes in one panel (i = 3); the last panel names only the NNGP band.
        let l = { (text: String) -> String? in i == 3 ? text : nil }
        p.band(x: r.gridX, lower: shifted(s.mean, sd, -2), upper: shifted(s.mean, sd, 2), color: blue, alpha: 0.14,
               label: l("NTK-GP ±2 sd"))
        p.band(x: r.gridX, lower: shifted(s.mean, sd, -1), upper: shifted(s.mean, sd, 1), color: blue, alpha: 0.28,
               label: l("NTK-GP ±1 sd"))
        for (j, net) in r.shown.enumerated() {
            p.line(x: r.gridX, y: net[i], color: Color(gray: 0.55), width: 0.7, label: j == 0 ? l("trained networks") : nil)
        }
        p.line(x: r.gridX, y: s.mean, color: .black, width: 2, label: l("NTK-GP mean μ_t"))
        let esd = s.ensembleVariance.map { $0.squareRoot() }
        p.line(x: r.gridX, y: s.ensembleMean, color: orange, width: 1.8, dash: .dashed, label: l("ensemble mean"))
        p.line(x: r.gridX, y: shifted(s.ensembleMean, esd, 1), color: orange, width: 1.2, dash: .dotted, label: l("ensemble ±1 sd"))
        p.line(x: r.gridX, y: shifted(s.ensembleMean, esd, -1), color: orange, width: 1.2, dash: .dotted)
        if last {
            // The contrasting band: the NNGP posterior (readout-only training at t = ∞), ±1 sd.
            let nsd = r.nngpCovariance.diagonal.map { max($0, 0).squareRoot() }, green = Palette.tab10[2]
            p.line(x: r.gridX, y: shifted(r.nngpMean, nsd, 1), color: green, width: 1.6, dash: .dashDot,
                   label: "NNGP posterior ±1 sd")
            p.line(x: r.gridX, y: shifted(r.nngpMean, nsd, -1), color: green, width: 1.6, dash: .dashDot)
            p.legend = .lowerCenter
        }
        p.scatter(x: c.trainX, y: c.trainY, marker: .square, size: 8, color: Palette.tab10[3], label: l("training points"))
        return p
    }

    /// The standard deviations at the last step: NTK-GP, ensemble, NNGP posterior.
    func spreads(_ r: Fig9NTKGaussianProcess.Result) -> Panel {
        let s = r.snapshots.last!, c = r.config
        var p = Panel(title: "sd at t = \(fmt(c.learningRate * Double(s.step))): NTK-GP vs NNGP posterior",
                      xLabel: "x", yLabel: "standard deviation", xLimits: c.gridRange, legend: .upperCenter)
        for tx in c.trainX { p.vline(tx, color: Color(gray: 0.7), width: 1, dash: .dotted) }
        p.line(x: r.gridX, y: s.sd, color: Palette.tab10[0], width: 2.2, label: "NTK-GP (all layers trained)")
        p.line(x: r.gridX, y: r.nngpCovariance.diagonal.map { max($0, 0).squareRoot() }, color: Palette.tab10[2], width: 2,
               dash: .dashDot, label: "NNGP posterior (readout only)")
        p.line(x: r.gridX, y: s.ensembleVariance.map { $0.squareRoot() }, color: Palette.tab10[1], width: 1.6, dash: .dashed,
               label: "ensemble of \(c.networks) networks")
        return p
    }

    /// Where the trained networks' mean leaves μ_T: their departure from their linearisations at two widths.
    func departures(_ r: Fig9NTKGaussianProcess.Result) -> Panel {
        let s = r.snapshots.last!, c = r.config, R = Double(c.networks)
        var p = Panel(title: "mean − μ_t at t = \(fmt(c.learningRate * Double(s.step))): nets vs their linearisations",
                      xLabel: "x", yLabel: "difference", xLimits: c.gridRange, legend: .lowerCenter)
        let se = s.ensembleVariance.map { 3 * ($0 / R).squareRoot() }
        p.band(x: r.gridX, lower: se.map { -$0 }, upper: se, color: Palette.tab10[0], alpha: 0.18,
               label: "±3 SE of the trained mean (n = \(c.width))")
        p.hline(0, color: Color(gray: 0.3), width: 1, dash: .dotted)
        for tx in c.trainX { p.vline(tx, color: Color(gray: 0.7), width: 1, dash: .dotted) }
        p.line(x: r.gridX, y: zip(s.ensembleMean, s.mean).map { $0 - $1 }, color: Palette.tab10[0], width: 2,
               label: "trained nets − μ_t (n = \(c.width))")
        p.line(x: r.gridX, y: zip(s.linearizedMean, s.mean).map { $0 - $1 }, color: Palette.tab10[1], width: 1.8, dash: .dashed,
               label: "linearised nets − μ_t (n = \(c.width))")
        func meanDeparture(_ d: [[Double]]) -> [Double] { d[0].indices.map { g in d.reduce(0) { $0 + $1[g] } / Double(d.count) } }
        p.line(x: r.gridX, y: meanDeparture(r.narrowDeparture), color: Palette.tab10[4], width: 1.4, dash: .dashDot,
               label: "trained − linearised (n = \(c.narrowWidth))")
        return p
    }

    /// Pooled variance ratio and band coverage at every compared step.
    func summary(_ r: Fig9NTKGaussianProcess.Result) -> Panel {
        let c = r.config
        let idx = r.snapshots.indices.map(Double.init)
        var p = Panel(title: "ensemble vs NTK-GP at each step",
                      xLabel: "comparison at step " + c.steps.map(String.init).joined(separator: ", "),
                      yLabel: "ratio / share", yLimits: 0.4 ... 1.3, legend: .lowerCenter)
        let all = Array(r.gridX.indices)
        let ratios = r.snapshots.map { s in
            all.reduce(0) { $0 + s.ensembleVariance[$1] } / all.reduce(0) { $0 + s.covariance[$1, $1] }
        }
        p.hline(1, color: Palette.tab10[0].withAlpha(0.6), width: 1, dash: .dotted)
        p.line(x: idx, y: ratios, color: Palette.tab10[0], width: 1.8, label: "Σ s² / Σ sd_t²  (1)", marker: .circle)
        for (j, (k, color)) in [(1.0, Palette.tab10[1]), (2.0, Palette.tab10[2])].enumerated() {
            let expected = erf(k / 2.0.squareRoot())
            p.hline(expected, color: color.withAlpha(0.6), width: 1, dash: .dotted)
            p.line(x: idx, y: r.snapshots.map { $0.coverage[j] }, color: color, width: 1.8,
                   label: "inside ±\(Int(k)) sd  (\(String(format: "%.3f", expected)))", marker: .square)
        }
        p.xLimits = -0.3 ... (Double(r.snapshots.count) - 0.7)
        return p
    }

    func render(_ r: Fig9NTKGaussianProcess.Result) -> Figure {
        let s0 = r.snapshots[0]
        let lo = zip(s0.mean, s0.sd).map { $0 - 2.2 * $1 }.min()!, hi = zip(s0.mean, s0.sd).map { $0 + 2.2 * $1 }.max()!
        let limits = max(lo, -2.6) ... min(hi, 2.6)
        var panels = r.snapshots.indices.map { snapshot(r, $0, yLimits: limits) }
        panels.append(spreads(r))
        panels.append(departures(r))
        panels.append(summary(r))
        let c = r.config
        return Figure(width: 1560, height: 1300, scale: 2, rows: 3, columns: 3,
                      title: "NTK Gaussian process during gradient descent vs \(c.networks) trained networks of width \(c.width) (L = \(c.depth), \(c.trainX.count) training points [Prop])",
                      panels: panels)
    }
}

CommandMain.run(Fig9.self)
