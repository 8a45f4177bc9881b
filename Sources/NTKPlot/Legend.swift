import Foundation

/// What a legend entry shows next to its label.
enum LegendHandle {
    /// A short line (colour, logical width, dash, optional marker).
    case line(Color, Double, LineDash, MarkerShape?)
    /// One marker (shape, colour, logical diameter).
    case marker(MarkerShape, Color, Double)
    /// A filled swatch (bands).
    case patch(Color)
}

extension FigureRenderer {
    /// Draws the legend box inside the axes. `.automatic` tries matplotlib's "best" candidate
    /// positions in order and keeps the first that covers the fewest data points (line samples
    /// and markers) plus band area.
    func drawLegend(_ entries: [(LegendHandle, String)], position: LegendPosition, axes a: Rect,
                    obstacles: [(Double, Double)], bands: [[(Double, Double)]]) throws {
        let fs = theme.legendSize
        let lh = try lineHeight(fs)
        let handleLen = 2.0 * fs * s, handlePad = 0.7 * fs * s
        let border = 0.45 * fs * s, rowGap = 0.25 * fs * s, offset = 0.6 * fs * s
        let textW = try entries.map { try textWidth($0.1, fs) }.max() ?? 0
        let w = 2 * border + handleLen + handlePad + textW
        let h = 2 * border + Double(entries.count) * lh + Double(entries.count - 1) * rowGap

        func rect(_ p: LegendPosition) -> Rect {
            let left = a.x0 + offset, right = a.x1 - offset - w, cx = (a.x0 + a.x1 - w) / 2
            let top = a.y0 + offset, bottom = a.y1 - offset - h, cy = (a.y0 + a.y1 - h) / 2
            let (x, y): (Double, Double)
            switch p {
            case .upperRight, .automatic, .hidden: (x, y) = (right, top)
            case .upperLeft: (x, y) = (left, top)
            case .lowerLeft: (x, y) = (left, bottom)
            case .lowerRight: (x, y) = (right, bottom)
            case .upperCenter: (x, y) = (cx, top)
            case .lowerCenter: (x, y) = (cx, bottom)
            case .centerLeft: (x, y) = (left, cy)
            case .centerRight: (x, y) = (right, cy)
            }
            return Rect(x0: x.rounded(), y0: y.rounded(), x1: (x + w).rounded(), y1: (y + h).rounded())
        }

        var box = rect(position)
        if position == .automatic {
            let candidates: [LegendPosition] = [.upperRight, .upperLeft, .lowerLeft, .lowerRight, .centerRight,
                                                .centerLeft, .lowerCenter, .upperCenter]
            var best = Double.infinity
            for c in candidates {
                let r = rect(c)
                var score = Double(obstacles.filter { r.contains($0.0, $0.1) }.count)
                score += bandCoverage(r, bands) * 50  // fraction of the box over a band
                if score < best { best = score; box = r }
                if score == 0 { break }
            }
        }
        canvas.fillRect(box, color: theme.background.withAlpha(0.85))
        canvas.strokeRect(box.insetBy(0.5 * s), width: 1 * s, color: Color(gray: 0.8))
        for (i, (handle, label)) in entries.enumerated() {
            let cy = box.y0 + border + Double(i) * (lh + rowGap) + lh / 2
            let hx0 = box.x0 + border, hx1 = hx0 + handleLen
            switch handle {
            case let .line(c, lw, dash, marker):
                canvas.strokeLine(hx0, cy, hx1, cy, width: lw * s, color: c, dash: dash)
                if let mk = marker { drawMarker(mk, (hx0 + hx1) / 2, cy, size: 6 * s, fill: c, edge: nil, clip: nil) }
            case let .marker(shape, c, d):
                drawMarker(shape, (hx0 + hx1) / 2, cy, size: max(d, 6) * s, fill: c, edge: nil, clip: nil)
            case let .patch(c):
                canvas.fillRect(Rect(x0: hx0, y0: cy - 0.35 * lh, x1: hx1, y1: cy + 0.35 * lh), color: c)
            }
            try drawText(label, size: fs, x: hx1 + handlePad, y: cy, h: .left, v: .center)
        }
    }

    /// Fraction of a grid of points in `r` that lies inside any band polygon (even-odd rule).
    func bandCoverage(_ r: Rect, _ bands: [[(Double, Double)]]) -> Double {
        guard !bands.isEmpty else { return 0 }
        let n = 8
        var inside = 0
        for i in 0..<n {
            for j in 0..<n {
                let x = r.x0 + (Double(i) + 0.5) / Double(n) * r.width
                let y = r.y0 + (Double(j) + 0.5) / Double(n) * r.height
                if bands.contains(where: { pointInPolygon(x, y, $0) }) { inside += 1 }
            }
        }
        return Double(inside) / Double(n * n)
    }

    func pointInPolygon(_ x: Double, _ y: Double, _ poly: [(Double, Double)]) -> Bool {
        var c = false
        var j = poly.count - 1
        for i in poly.indices {
            let (xi, yi) = poly[i], (xj, yj) = poly[j]
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi { c.toggle() }
            j = i
        }
        return c
    }
}
