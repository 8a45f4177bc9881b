import Foundation
import NTKCore

enum HAlign { case left, center, right }
enum VAlign { case top, center, baseline, bottom }

/// Resolved geometry of one axis: limits in scale space (value for linear, log₁₀ value for
/// log axes) and the ticks.
struct AxisGeometry {
    var scale: AxisScale
    var lo: Double
    var hi: Double
    var inverted: Bool
    var ticks: [Tick]
}

/// Everything the layout decides for one panel.
struct PanelLayout {
    var cell: Rect
    var axes: Rect = Rect(x0: 0, y0: 0, x1: 1, y1: 1)
    var x: AxisGeometry
    var y: AxisGeometry
    var margins: (left: Double, right: Double, top: Double, bottom: Double) = (0, 0, 0, 0)
    var heatmap: HeatmapSeries?
    var colorBarTicks: [Tick] = []
}

/// Renders a `Figure`: layout (margins from the measured tick labels, aligned across rows and
/// columns), then panels, legends and colour bars on one `Canvas`.
final class FigureRenderer {
    let figure: Figure
    let theme: Theme
    let s: Double
    let font: FontRenderer
    var canvas: Canvas

    init(figure: Figure) throws {
        self.figure = figure
        theme = figure.theme
        s = figure.scale
        font = try FontRenderer()
        let (w, h) = figure.pixelSize
        canvas = Canvas(width: w, height: h, background: figure.theme.background)
    }

    // MARK: Text

    func textWidth(_ t: String, _ size: Double) throws -> Double { try font.measure(t, size: size * s) }

    func lineHeight(_ size: Double) throws -> Double {
        let m = try font.lineMetrics(size: size * s)
        return m.ascent.rounded(.up) + m.descent.rounded(.up)
    }

    /// Draws one line of text anchored at (x, y). Rotated text reads bottom to top; its
    /// anchors refer to the rotated box.
    func drawText(_ t: String, size: Double, x: Double, y: Double, h: HAlign, v: VAlign,
                  rotated: Bool = false, color: Color? = nil) throws {
        guard !t.isEmpty else { return }
        var r = try font.render(t, size: size * s)
        let pad = 1.0  // FontRenderer pads its buffer by 1 px on each side
        var x0: Double, y0: Double
        if !rotated {
            switch h {
            case .left: x0 = x - pad
            case .center: x0 = x - Double(r.width) / 2
            case .right: x0 = x - Double(r.width) + pad
            }
            switch v {
            case .top: y0 = y
            case .center: y0 = y - Double(r.height) / 2
            case .baseline: y0 = y - Double(r.baseline)
            case .bottom: y0 = y - Double(r.height)
            }
        } else {
            r = r.rotatedCounterClockwise()
            switch h {
            case .left: x0 = x
            case .center: x0 = x - Double(r.width) / 2
            case .right: x0 = x - Double(r.width)
            }
            switch v {
            case .top: y0 = y - pad
            case .center, .baseline: y0 = y - Double(r.height) / 2
            case .bottom: y0 = y - Double(r.height) + pad
            }
        }
        canvas.blendCoverage(r.coverage, width: r.width, height: r.height, at: Int(x0.rounded()), Int(y0.rounded()),
                             color: color ?? theme.text)
    }

    /// Pixel coordinate of a line of width `w` snapped so that it covers whole pixels.
    func snap(_ c: Double, width w: Double) -> Double {
        Int(w.rounded()) % 2 == 1 ? c.rounded(.down) + 0.5 : c.rounded()
    }

    // MARK: Data ranges

    /// Data range of a panel along one axis, in scale space, and whether it is "tight"
    /// (images and heatmaps only: no margins).
    func dataRange(_ p: Panel, xAxis: Bool) -> (lo: Double, hi: Double, tight: Bool)? {
        let scale = xAxis ? p.xScale : p.yScale
        var lo = Double.infinity, hi = -Double.infinity
        var loose = false
        func add(_ v: Double, tight: Bool = false) {
            guard v.isFinite, scale == .linear || v > 0 else { return }
            let u = scale.forward(v)
            lo = min(lo, u); hi = max(hi, u)
            if !tight { loose = true }
        }
        for sr in p.series {
            switch sr {
            case let .line(l): (xAxis ? l.x : l.y).forEach { add($0) }
            case let .scatter(sc): (xAxis ? sc.x : sc.y).forEach { add($0) }
            case let .band(b):
                if xAxis { b.x.forEach { add($0) } } else { b.lower.forEach { add($0) }; b.upper.forEach { add($0) } }
            case let .hline(r): if !xAxis { add(r.value) }
            case let .vline(r): if xAxis { add(r.value) }
            case let .heatmap(hm):
                let e = hm.resolvedExtent
                if xAxis { add(e.left, tight: true); add(e.right, tight: true) } else { add(e.bottom, tight: true); add(e.top, tight: true) }
            case let .image(im):
                let e = im.extent
                if xAxis { add(e.left, tight: true); add(e.right, tight: true) } else { add(e.bottom, tight: true); add(e.top, tight: true) }
            }
        }
        guard lo <= hi else { return nil }
        return (lo, hi, !loose)
    }

    /// Limits and ticks of one axis for an axis length of `length` pixels.
    func axisGeometry(_ p: Panel, xAxis: Bool, length: Double) throws -> AxisGeometry {
        let scale = xAxis ? p.xScale : p.yScale
        let fixed = xAxis ? p.xLimits : p.yLimits
        var lo: Double, hi: Double
        if let f = fixed, scale == .linear || f.lowerBound > 0 {
            lo = scale.forward(f.lowerBound); hi = scale.forward(f.upperBound)
        } else if let r = dataRange(p, xAxis: xAxis) {
            lo = r.lo; hi = r.hi
            if !r.tight {
                let m = 0.05 * (hi - lo)  // matplotlib's default axes margin
                lo -= m; hi += m
            }
        } else {
            lo = 0; hi = 1  // empty panel: [0, 1], or [1, 10] on a log axis
        }
        if hi - lo <= 0 || !(hi - lo).isFinite {
            let d = scale == .linear ? max(abs(lo) * 0.05, 0.5) : 0.5
            lo -= d; hi += d
        }
        var inverted = false
        if !xAxis {
            if let inv = p.yInverted { inverted = inv } else {
                inverted = p.series.contains { if case let .heatmap(h) = $0 { return h.extent == nil && h.origin == .upper }; return false }
            }
        }
        var g = AxisGeometry(scale: scale, lo: lo, hi: hi, inverted: inverted, ticks: [])
        // Tick density from the axis length; x labels are then thinned until they do not collide.
        let spacing = (xAxis ? 75.0 : 48.0) * s
        var maxTicks = min(9, max(3, Int(length / spacing) + 1))
        while true {
            g.ticks = makeTicks(scale, lo, hi, maxTicks: maxTicks)
            if maxTicks <= 2 { break }
            if try !ticksCollide(g, xAxis: xAxis, length: length) { break }
            maxTicks -= 1
        }
        return g
    }

    func makeTicks(_ scale: AxisScale, _ lo: Double, _ hi: Double, maxTicks: Int) -> [Tick] {
        let a = scale.inverse(lo), b = scale.inverse(hi)
        let raw = scale == .linear ? Ticks.linear(a, b, maxTicks: maxTicks) : Ticks.log10(a, b, maxTicks: maxTicks)
        let tol = 1e-9 * (hi - lo)
        return raw.filter { t in
            guard scale == .linear || t.value > 0 else { return false }
            let u = scale.forward(t.value)
            return u >= lo - tol && u <= hi + tol
        }
    }

    func ticksCollide(_ g: AxisGeometry, xAxis: Bool, length: Double) throws -> Bool {
        let major = g.ticks.filter { $0.isMajor && !$0.label.isEmpty }
        guard major.count >= 2 else { return false }
        let gap = 8 * s
        if xAxis {
            for i in 1..<major.count {
                let d = abs(g.scale.forward(major[i].value) - g.scale.forward(major[i - 1].value)) / (g.hi - g.lo) * length
                let need = (try textWidth(major[i].label, theme.tickLabelSize) + textWidth(major[i - 1].label, theme.tickLabelSize)) / 2 + gap
                if d < need { return true }
            }
        } else {
            let lh = try lineHeight(theme.tickLabelSize)
            for i in 1..<major.count {
                let d = abs(g.scale.forward(major[i].value) - g.scale.forward(major[i - 1].value)) / (g.hi - g.lo) * length
                if d < lh + gap / 2 { return true }
            }
        }
        return false
    }

    // MARK: Layout

    func firstHeatmap(_ p: Panel) -> HeatmapSeries? {
        for sr in p.series { if case let .heatmap(h) = sr, h.showColorBar { return h } }
        return nil
    }

    /// Margins (pixels) around the axes needed by the labels of `l`.
    func margins(_ p: Panel, _ l: inout PanelLayout) throws {
        let pad = theme.panelPadding * s
        let tickOut = theme.tickLength * s + theme.tickPad * s
        let tickLH = try lineHeight(theme.tickLabelSize)
        var left = pad, right = pad, top = pad, bottom = pad
        if p.showAxes {
            let yLabels = l.y.ticks.filter { $0.isMajor }.map { $0.label }
            let yw = try yLabels.map { try textWidth($0, theme.tickLabelSize) }.max() ?? 0
            left += yw + tickOut
            if let yl = p.yLabel, !yl.isEmpty { left += try lineHeight(theme.axisLabelSize) + theme.labelPad * s }
            bottom += tickLH + tickOut
            if let xl = p.xLabel, !xl.isEmpty { bottom += try lineHeight(theme.axisLabelSize) + theme.labelPad * s - 2 * s }
            // Half a tick label may stick out above the top y tick and beside the end x ticks.
            top += tickLH / 2
            let xMajor = l.x.ticks.filter { $0.isMajor && !$0.label.isEmpty }
            if let last = xMajor.last { right = max(right, pad + (try textWidth(last.label, theme.tickLabelSize)) / 2) }
            if let first = xMajor.first { left = max(left, pad + (try textWidth(first.label, theme.tickLabelSize)) / 2) }
        }
        if let t = p.title, !t.isEmpty {
            top = pad + (try lineHeight(theme.titleSize)) + theme.titlePad * s
        }
        if let hm = l.heatmap {
            let labels = l.colorBarTicks.map { $0.label }
            let w = try labels.map { try textWidth($0, theme.tickLabelSize) }.max() ?? 0
            var extra = theme.colorBarPad * s + theme.colorBarWidth * s + tickOut + w
            if let cl = hm.colorBarLabel, !cl.isEmpty { extra += theme.labelPad * s + (try lineHeight(theme.axisLabelSize)) }
            right = pad + extra
        }
        l.margins = (left, right, top, bottom)
    }

    func cells() -> [Rect] {
        let (W, H) = figure.pixelSize
        var top = 0.0
        if let t = figure.title, !t.isEmpty {
            top = (try? lineHeight(theme.figureTitleSize)) ?? 0
            top += theme.panelPadding * s
        }
        let cw = Double(W) / Double(figure.columns), ch = (Double(H) - top) / Double(figure.rows)
        var out: [Rect] = []
        for r in 0..<figure.rows {
            for c in 0..<figure.columns {
                out.append(Rect(x0: Double(c) * cw, y0: top + Double(r) * ch, x1: Double(c + 1) * cw, y1: top + Double(r + 1) * ch))
            }
        }
        return out
    }

    func layout() throws -> [PanelLayout] {
        let cellRects = cells()
        let panels = figure.panels
        var layouts: [PanelLayout] = []
        // Pass 0: provisional axes = cell minus typical margins.
        for (i, p) in panels.enumerated() {
            let c = cellRects[i]
            let axW = max(20, c.width - 85 * s), axH = max(20, c.height - 75 * s)
            var l = PanelLayout(cell: c, x: try axisGeometry(p, xAxis: true, length: axW),
                                y: try axisGeometry(p, xAxis: false, length: axH))
            l.heatmap = firstHeatmap(p)
            if let hm = l.heatmap {
                let r = hm.resolvedRange
                l.colorBarTicks = makeTicks(.linear, r.lowerBound, r.upperBound, maxTicks: max(3, min(8, Int(axH / (40 * s)) + 1)))
            }
            try margins(p, &l)
            layouts.append(l)
        }
        for pass in 0..<2 {
            align(&layouts)
            for (i, p) in panels.enumerated() {
                var l = layouts[i]
                l.axes = Rect(x0: l.cell.x0 + l.margins.left, y0: l.cell.y0 + l.margins.top,
                              x1: l.cell.x1 - l.margins.right, y1: l.cell.y1 - l.margins.bottom)
                if pass == 0 {
                    l.x = try axisGeometry(p, xAxis: true, length: max(20, l.axes.width))
                    l.y = try axisGeometry(p, xAxis: false, length: max(20, l.axes.height))
                    if let hm = l.heatmap {
                        let r = hm.resolvedRange
                        l.colorBarTicks = makeTicks(.linear, r.lowerBound, r.upperBound,
                                                    maxTicks: max(3, min(8, Int(l.axes.height / (40 * s)) + 1)))
                    }
                    try margins(p, &l)
                }
                layouts[i] = l
            }
        }
        // Equal aspect: shrink the axes about its centre.
        for (i, p) in panels.enumerated() where p.equalAspect {
            var l = layouts[i]
            let dx = l.x.hi - l.x.lo, dy = l.y.hi - l.y.lo
            let want = dx / dy
            let have = l.axes.width / l.axes.height
            if have > want {
                let w = l.axes.height * want, cx = (l.axes.x0 + l.axes.x1) / 2
                l.axes.x0 = cx - w / 2; l.axes.x1 = cx + w / 2
            } else {
                let h = l.axes.width / want, cy = (l.axes.y0 + l.axes.y1) / 2
                l.axes.y0 = cy - h / 2; l.axes.y1 = cy + h / 2
            }
            layouts[i] = l
        }
        // Snap the frame to the pixel grid so spines are crisp.
        let fw = theme.frameWidth * s
        for i in layouts.indices {
            var a = layouts[i].axes
            a = Rect(x0: snap(a.x0, width: fw), y0: snap(a.y0, width: fw), x1: snap(a.x1, width: fw), y1: snap(a.y1, width: fw))
            layouts[i].axes = a
        }
        return layouts
    }

    /// Panels in one grid row share top/bottom margins, in one column left/right margins,
    /// so that their axes line up.
    func align(_ ls: inout [PanelLayout]) {
        let C = figure.columns
        for i in ls.indices {
            let r = i / C, c = i % C
            let row = ls.indices.filter { $0 / C == r }, col = ls.indices.filter { $0 % C == c }
            ls[i].margins.top = row.map { ls[$0].margins.top }.max()!
            ls[i].margins.bottom = row.map { ls[$0].margins.bottom }.max()!
            ls[i].margins.left = col.map { ls[$0].margins.left }.max()!
            ls[i].margins.right = col.map { ls[$0].margins.right }.max()!
        }
    }

    // MARK: Drawing

    func run() throws -> RGBAImage {
        if let t = figure.title, !t.isEmpty {
            try drawText(t, size: theme.figureTitleSize, x: Double(canvas.width) / 2, y: theme.panelPadding * s * 0.6,
                         h: .center, v: .top)
        }
        let layouts = try layout()
        for (i, p) in figure.panels.enumerated() {
            try drawPanel(p, layouts[i])
        }
        return canvas.image()
    }

    struct Mapper {
        let axes: Rect
        let x: AxisGeometry
        let y: AxisGeometry
        func px(_ v: Double) -> Double {
            guard x.scale == .linear || v > 0 else { return .nan }
            return axes.x0 + (x.scale.forward(v) - x.lo) / (x.hi - x.lo) * axes.width
        }
        func py(_ v: Double) -> Double {
            guard y.scale == .linear || v > 0 else { return .nan }
            let t = (y.scale.forward(v) - y.lo) / (y.hi - y.lo)
            return y.inverted ? axes.y0 + t * axes.height : axes.y1 - t * axes.height
        }
    }

    func drawPanel(_ p: Panel, _ l: PanelLayout) throws {
        let a = l.axes
        let m = Mapper(axes: a, x: l.x, y: l.y)
        let clip = a
        // Grid lines under the data.
        if p.grid && p.showAxes {
            let gw = theme.gridWidth * s
            for t in l.x.ticks where t.isMajor {
                let x = snap(m.px(t.value), width: gw)
                canvas.strokeLine(x, a.y0, x, a.y1, width: gw, color: theme.gridColor, clip: clip)
            }
            for t in l.y.ticks where t.isMajor {
                let y = snap(m.py(t.value), width: gw)
                canvas.strokeLine(a.x0, y, a.x1, y, width: gw, color: theme.gridColor, clip: clip)
            }
        }
        // Series: rasters first, then the rest in order.
        var colorIndex = 0
        func nextColor() -> Color { defer { colorIndex += 1 }; return Palette.color(colorIndex, in: theme.cycle) }
        var legend: [(LegendHandle, String)] = []
        var obstacles: [(Double, Double)] = []
        var bandPolys: [[(Double, Double)]] = []
        for sr in p.series {
            switch sr {
            case let .heatmap(h): drawHeatmap(h, m, clip: clip)
            case let .image(im): try drawImage(im, m, clip: clip)
            default: break
            }
        }
        for sr in p.series {
            switch sr {
            case let .line(ls):
                let color = ls.color ?? nextColor()
                let pts = zip(ls.x, ls.y).map { (m.px($0.0), m.py($0.1)) }
                canvas.strokePolyline(pts, width: ls.width * s, color: color, dash: ls.dash, clip: clip)
                if let mk = ls.marker {
                    for q in pts where q.0.isFinite && q.1.isFinite {
                        drawMarker(mk, q.0, q.1, size: ls.markerSize * s, fill: color, edge: nil, clip: clip)
                    }
                }
                obstacles += sample(pts)
                if let lab = ls.label { legend.append((.line(color, ls.width, ls.dash, ls.marker), lab)) }
            case let .scatter(sc):
                let single = sc.color ?? (sc.categories == nil ? nextColor() : .black)
                for i in sc.x.indices {
                    let x = m.px(sc.x[i]), y = m.py(sc.y[i])
                    guard x.isFinite, y.isFinite else { continue }
                    var c = single
                    if let cats = sc.categories { c = Palette.color(cats[i], in: sc.palette) }
                    drawMarker(sc.marker, x, y, size: sc.size * s, fill: c.withAlpha(c.alpha * sc.alpha), edge: sc.edgeColor, clip: clip)
                    obstacles.append((x, y))
                }
                if let names = sc.categoryLabels, sc.categories != nil {
                    for (k, n) in names.enumerated() {
                        legend.append((.marker(sc.marker, Palette.color(k, in: sc.palette).withAlpha(sc.alpha), sc.size), n))
                    }
                } else if let lab = sc.label {
                    legend.append((.marker(sc.marker, single.withAlpha(single.alpha * sc.alpha), sc.size), lab))
                }
            case let .band(b):
                let color = b.color ?? nextColor()
                var poly: [(Double, Double)] = []
                for i in b.x.indices { poly.append((m.px(b.x[i]), m.py(b.upper[i]))) }
                for i in b.x.indices.reversed() { poly.append((m.px(b.x[i]), m.py(b.lower[i]))) }
                canvas.fillPolygon(poly, color: color.withAlpha(color.alpha * b.alpha), clip: clip)
                bandPolys.append(poly.filter { $0.0.isFinite && $0.1.isFinite })
                if let lab = b.label { legend.append((.patch(color.withAlpha(color.alpha * b.alpha)), lab)) }
            case let .hline(r):
                let y = m.py(r.value)
                if y.isFinite {
                    canvas.strokeLine(a.x0, y, a.x1, y, width: r.width * s, color: r.color, dash: r.dash, clip: clip)
                    obstacles += sample([(a.x0, y), (a.x1, y)])
                }
                if let lab = r.label { legend.append((.line(r.color, r.width, r.dash, nil), lab)) }
            case let .vline(r):
                let x = m.px(r.value)
                if x.isFinite {
                    canvas.strokeLine(x, a.y0, x, a.y1, width: r.width * s, color: r.color, dash: r.dash, clip: clip)
                    obstacles += sample([(x, a.y0), (x, a.y1)])
                }
                if let lab = r.label { legend.append((.line(r.color, r.width, r.dash, nil), lab)) }
            case .heatmap, .image: break
            }
        }
        if p.showAxes { try drawAxes(p, l, m) }
        if let t = p.title, !t.isEmpty {
            try drawText(t, size: theme.titleSize, x: (a.x0 + a.x1) / 2, y: a.y0 - theme.titlePad * s, h: .center, v: .bottom)
        }
        if !legend.isEmpty && p.legend != .hidden {
            try drawLegend(legend, position: p.legend, axes: a, obstacles: obstacles, bands: bandPolys)
        }
        if let hm = l.heatmap { try drawColorBar(hm, l) }
    }

    /// Points every ~3 px along a polyline (for legend placement).
    func sample(_ pts: [(Double, Double)]) -> [(Double, Double)] {
        var out: [(Double, Double)] = []
        for i in pts.indices {
            let q = pts[i]
            guard q.0.isFinite, q.1.isFinite else { continue }
            out.append(q)
            if i + 1 < pts.count, pts[i + 1].0.isFinite, pts[i + 1].1.isFinite {
                let d = hypot(pts[i + 1].0 - q.0, pts[i + 1].1 - q.1)
                let n = Int(d / (3 * s))
                if n > 1 { for k in 1..<n { let t = Double(k) / Double(n); out.append((q.0 + (pts[i + 1].0 - q.0) * t, q.1 + (pts[i + 1].1 - q.1) * t)) } }
            }
        }
        return out
    }

    func drawAxes(_ p: Panel, _ l: PanelLayout, _ m: Mapper) throws {
        let a = l.axes
        let tw = theme.tickWidth * s
        let tl = theme.tickLength * s, mtl = theme.minorTickLength * s
        let labelGap = tl + theme.tickPad * s
        for t in l.x.ticks {
            let x = snap(m.px(t.value), width: tw)
            canvas.strokeLine(x, a.y1, x, a.y1 + (t.isMajor ? tl : mtl), width: tw, color: theme.axis)
            if t.isMajor { try drawText(t.label, size: theme.tickLabelSize, x: x, y: a.y1 + labelGap, h: .center, v: .top) }
        }
        var maxYLabel = 0.0
        for t in l.y.ticks {
            let y = snap(m.py(t.value), width: tw)
            canvas.strokeLine(a.x0, y, a.x0 - (t.isMajor ? tl : mtl), y, width: tw, color: theme.axis)
            if t.isMajor {
                try drawText(t.label, size: theme.tickLabelSize, x: a.x0 - labelGap, y: y, h: .right, v: .center)
                maxYLabel = max(maxYLabel, try textWidth(t.label, theme.tickLabelSize))
            }
        }
        canvas.strokeRect(a, width: theme.frameWidth * s, color: theme.axis)
        let tickLH = try lineHeight(theme.tickLabelSize)
        if let xl = p.xLabel, !xl.isEmpty {
            try drawText(xl, size: theme.axisLabelSize, x: (a.x0 + a.x1) / 2,
                         y: a.y1 + labelGap + tickLH + theme.labelPad * s - 2 * s, h: .center, v: .top)
        }
        if let yl = p.yLabel, !yl.isEmpty {
            // Placed from the panel's own widest tick label, as matplotlib does.
            try drawText(yl, size: theme.axisLabelSize, x: a.x0 - labelGap - maxYLabel - theme.labelPad * s,
                         y: (a.y0 + a.y1) / 2, h: .right, v: .center, rotated: true)
        }
    }

    func drawMarker(_ shape: MarkerShape, _ x: Double, _ y: Double, size d: Double, fill: Color, edge: Color?, clip: Rect?) {
        let r = d / 2
        var outline: [(Double, Double)] = []
        switch shape {
        case .circle:
            canvas.fillCircle(x, y, radius: r, color: fill, clip: clip)
            if edge != nil { outline = (0...32).map { k in let t = Double(k) / 32 * 2 * .pi; return (x + r * cos(t), y + r * sin(t)) } }
        case .square:
            let h = r * 0.88
            canvas.fillRect(Rect(x0: x - h, y0: y - h, x1: x + h, y1: y + h), color: fill, clip: clip)
            if edge != nil { outline = [(x - h, y - h), (x + h, y - h), (x + h, y + h), (x - h, y + h), (x - h, y - h)] }
        case .triangle:
            let h = r * 1.15
            let pts = [(x, y - h), (x + h * 0.866, y + h * 0.5), (x - h * 0.866, y + h * 0.5)]
            canvas.fillPolygon(pts, color: fill, clip: clip)
            if edge != nil { outline = pts + [pts[0]] }
        case .diamond:
            let h = r * 1.1
            let pts = [(x, y - h), (x + h * 0.75, y), (x, y + h), (x - h * 0.75, y)]
            canvas.fillPolygon(pts, color: fill, clip: clip)
            if edge != nil { outline = pts + [pts[0]] }
        case .cross:
            let h = r * 0.8, w = max(1.25 * s, d / 5)
            canvas.strokeLine(x - h, y - h, x + h, y + h, width: w, color: fill, cap: .butt, clip: clip)
            canvas.strokeLine(x - h, y + h, x + h, y - h, width: w, color: fill, cap: .butt, clip: clip)
        case .plus:
            let h = r, w = max(1.25 * s, d / 5)
            canvas.strokeLine(x - h, y, x + h, y, width: w, color: fill, cap: .butt, clip: clip)
            canvas.strokeLine(x, y - h, x, y + h, width: w, color: fill, cap: .butt, clip: clip)
        }
        if let e = edge, !outline.isEmpty { canvas.strokePolyline(outline, width: 0.75 * s, color: e, clip: clip) }
    }

    // MARK: Rasters

    /// Pixel rectangle of a data extent plus whether rows/columns run against pixel order.
    func placement(_ e: Extent, _ m: Mapper) -> (Rect, flipX: Bool, flipY: Bool) {
        let xl = m.px(e.left), xr = m.px(e.right), yt = m.py(e.top), yb = m.py(e.bottom)
        return (Rect(x0: min(xl, xr), y0: min(yt, yb), x1: max(xl, xr), y1: max(yt, yb)), xl > xr, yt > yb)
    }

    func drawHeatmap(_ h: HeatmapSeries, _ m: Mapper, clip: Rect) {
        let (rect, fx, fy) = placement(h.resolvedExtent, m)
        let range = h.resolvedRange
        let mat = h.values
        let rows = mat.rows, cols = mat.columns
        // With origin .upper, matrix row 0 sits at extent.top.
        canvas.drawCells(cols: cols, rows: rows, dest: rect, clip: clip) { c, r in
            let col = fx ? cols - 1 - c : c
            var row = fy ? rows - 1 - r : r
            if h.origin == .lower { row = rows - 1 - row }
            let v = mat[row, col]
            return h.colormap.color(at: (v - range.lowerBound) / (range.upperBound - range.lowerBound))
        }
    }

    func drawImage(_ im: ImageSeries, _ m: Mapper, clip: Rect) throws {
        let (rect, fx, fy) = placement(im.extent, m)
        let lo = im.range.lowerBound, span = im.range.upperBound - im.range.lowerBound
        canvas.drawCells(cols: im.width, rows: im.height, dest: rect, clip: clip) { c, r in
            let col = fx ? im.width - 1 - c : c, row = fy ? im.height - 1 - r : r
            return im.colormap.color(at: (im.pixels[row * im.width + col] - lo) / span)
        }
        if let f = im.frameColor {
            let w = im.frameWidth * s
            canvas.strokeRect(Rect(x0: rect.x0 - w / 2, y0: rect.y0 - w / 2, x1: rect.x1 + w / 2, y1: rect.y1 + w / 2),
                              width: w, color: f)
        }
        if let cap = im.caption {
            try drawText(cap, size: theme.legendSize, x: (rect.x0 + rect.x1) / 2, y: rect.y1 + 3 * s, h: .center, v: .top)
        }
    }

    func drawColorBar(_ h: HeatmapSeries, _ l: PanelLayout) throws {
        let a = l.axes
        let x0 = snap(a.x1 + theme.colorBarPad * s, width: theme.frameWidth * s)
        let bar = Rect(x0: x0, y0: a.y0, x1: x0 + (theme.colorBarWidth * s).rounded(), y1: a.y1)
        let range = h.resolvedRange
        let n = 256
        canvas.drawCells(cols: 1, rows: n, dest: bar, clip: nil) { _, r in
            h.colormap.color(at: 1 - (Double(r) + 0.5) / Double(n))
        }
        canvas.strokeRect(bar, width: theme.frameWidth * s, color: theme.axis)
        let tw = theme.tickWidth * s, tl = theme.tickLength * s
        var maxW = 0.0
        for t in l.colorBarTicks {
            let y = snap(bar.y1 - (t.value - range.lowerBound) / (range.upperBound - range.lowerBound) * bar.height, width: tw)
            canvas.strokeLine(bar.x1, y, bar.x1 + tl, y, width: tw, color: theme.axis)
            try drawText(t.label, size: theme.tickLabelSize, x: bar.x1 + tl + theme.tickPad * s, y: y, h: .left, v: .center)
            maxW = max(maxW, try textWidth(t.label, theme.tickLabelSize))
        }
        if let cl = h.colorBarLabel, !cl.isEmpty {
            try drawText(cl, size: theme.axisLabelSize, x: bar.x1 + tl + theme.tickPad * s + maxW + theme.labelPad * s,
                         y: (bar.y0 + bar.y1) / 2, h: .left, v: .center, rotated: true)
        }
    }
}
