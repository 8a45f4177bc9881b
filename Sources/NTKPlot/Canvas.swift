import Foundation

/// An axis-aligned rectangle in pixel coordinates (y grows downwards).
public struct Rect: Sendable, Equatable {
    public var x0: Double, y0: Double, x1: Double, y1: Double
    public init(x0: Double, y0: Double, x1: Double, y1: Double) {
        self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1
    }
    public var width: Double { x1 - x0 }
    public var height: Double { y1 - y0 }
    public func contains(_ x: Double, _ y: Double) -> Bool { x >= x0 && x <= x1 && y >= y0 && y <= y1 }
    public func intersects(_ o: Rect) -> Bool { x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1 }
    func insetBy(_ d: Double) -> Rect { Rect(x0: x0 + d, y0: y0 + d, x1: x1 - d, y1: y1 - d) }
}

/// Dash pattern of a stroked line.
public enum LineDash: Sendable, Equatable {
    case solid, dashed, dotted, dashDot
    /// On/off lengths in multiples of the line width.
    case custom([Double])

    /// On/off lengths in pixels for a line of width `w` (matplotlib's scaled dash styles).
    func pattern(width w: Double) -> [Double]? {
        let u = max(w, 1)
        switch self {
        case .solid: return nil
        case .dashed: return [3.7 * u, 1.6 * u]
        case .dotted: return [1.0 * u, 1.65 * u]
        case .dashDot: return [6.4 * u, 1.6 * u, 1.0 * u, 1.6 * u]
        case let .custom(p): return p.isEmpty ? nil : p.map { $0 * u }
        }
    }
}

/// How the ends of a stroked segment are drawn.
enum LineCap { case butt, round }

/// The rasteriser: an opaque RGB canvas with anti-aliased strokes (coverage from the distance
/// to each segment), sub-scanline polygon filling (nonzero rule), markers, glyph coverage maps
/// and images, all clipped to an optional rectangle. Shapes are first accumulated in a coverage
/// mask and then blended once, so overlapping segments of one polyline never double-blend.
///
/// - Complexity: a stroke costs O(Σ bounding-box area of its segments); a fill O(rows × edges).
struct Canvas {
    let width: Int
    let height: Int
    /// RGB in [0, 1], row-major, 3 values a pixel.
    private(set) var rgb: [Double]
    /// Coverage scratch mask in [0, 1]; zero outside the current dirty rectangle.
    private var mask: [Float]
    private var dirty: (x0: Int, y0: Int, x1: Int, y1: Int)? = nil

    init(width: Int, height: Int, background: Color) {
        self.width = width; self.height = height
        rgb = [Double](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            rgb[3 * i] = background.red; rgb[3 * i + 1] = background.green; rgb[3 * i + 2] = background.blue
        }
        mask = [Float](repeating: 0, count: width * height)
    }

    /// Integer pixel bounds of `r` ∩ canvas ∩ `clip`, as half-open ranges.
    private func pixelBounds(_ r: Rect, clip: Rect?) -> (Int, Int, Int, Int)? {
        var b = r
        if let c = clip { b = Rect(x0: max(b.x0, c.x0), y0: max(b.y0, c.y0), x1: min(b.x1, c.x1), y1: min(b.y1, c.y1)) }
        let x0 = max(0, Int(floor(b.x0))), y0 = max(0, Int(floor(b.y0)))
        let x1 = min(width, Int(ceil(b.x1))), y1 = min(height, Int(ceil(b.y1)))
        return (x0 < x1 && y0 < y1) ? (x0, y0, x1, y1) : nil
    }

    private mutating func markDirty(_ b: (Int, Int, Int, Int)) {
        if let d = dirty {
            dirty = (min(d.x0, b.0), min(d.y0, b.1), max(d.x1, b.2), max(d.y1, b.3))
        } else {
            dirty = (b.0, b.1, b.2, b.3)
        }
    }

    /// Fraction of a clip rectangle's pixel (x, y) that lies inside the clip (for fractional edges).
    @inline(__always)
    private func clipCoverage(_ x: Int, _ y: Int, _ clip: Rect?) -> Float {
        guard let c = clip else { return 1 }
        let fx = min(Double(x + 1), c.x1) - max(Double(x), c.x0)
        let fy = min(Double(y + 1), c.y1) - max(Double(y), c.y0)
        return Float(max(0, min(1, fx)) * max(0, min(1, fy)))
    }

    /// Blends `color` over the canvas with the accumulated mask as coverage, then clears the mask.
    private mutating func flush(_ color: Color, clip: Rect?) {
        guard let d = dirty else { return }
        let a = color.alpha
        for y in d.y0..<d.y1 {
            for x in d.x0..<d.x1 {
                let i = y * width + x
                let m = mask[i]
                if m > 0 {
                    mask[i] = 0
                    let cov = Double(min(m, 1) * clipCoverage(x, y, clip)) * a
                    if cov <= 0 { continue }
                    rgb[3 * i] += (color.red - rgb[3 * i]) * cov
                    rgb[3 * i + 1] += (color.green - rgb[3 * i + 1]) * cov
                    rgb[3 * i + 2] += (color.blue - rgb[3 * i + 2]) * cov
                }
            }
        }
        dirty = nil
    }

    // MARK: Strokes

    /// Accumulates one segment into the mask (max rule).
    private mutating func maskSegment(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double,
                                      width w: Double, cap: LineCap, clip: Rect?) {
        let hw = max(w, 1) / 2
        let gain = Float(min(w, 1))  // hairlines: fainter rather than thinner than a pixel
        let pad = hw + 1.5
        let box = Rect(x0: min(ax, bx) - pad, y0: min(ay, by) - pad, x1: max(ax, bx) + pad, y1: max(ay, by) + pad)
        guard let b = pixelBounds(box, clip: clip) else { return }
        markDirty(b)
        let dx = bx - ax, dy = by - ay
        let len = (dx * dx + dy * dy).squareRoot()
        let ux = len > 0 ? dx / len : 1, uy = len > 0 ? dy / len : 0
        for y in b.1..<b.3 {
            let py = Double(y) + 0.5 - ay
            for x in b.0..<b.2 {
                let px = Double(x) + 0.5 - ax
                let along = px * ux + py * uy
                let across = abs(-px * uy + py * ux)
                var c: Double
                switch cap {
                case .round:
                    let t = min(max(along, 0), len)
                    let ex = px - t * ux, ey = py - t * uy
                    let d = (ex * ex + ey * ey).squareRoot()
                    c = hw + 0.5 - d
                case .butt:
                    let ca = min(along + 0.5, len) - max(along - 0.5, 0)
                    let cb = min(across + 0.5, hw) - max(across - 0.5, -hw)
                    c = min(max(ca, 0), 1) * min(max(cb, 0), 1)
                }
                if c <= 0 { continue }
                let cf = Float(min(c, 1)) * gain
                let i = y * width + x
                if cf > mask[i] { mask[i] = cf }
            }
        }
    }

    /// Splits a polyline into its dash "on" pieces.
    static func dashed(_ pts: [(Double, Double)], pattern: [Double]) -> [[(Double, Double)]] {
        guard pts.count >= 2 else { return [pts] }
        var pieces: [[(Double, Double)]] = []
        var current: [(Double, Double)] = []
        var k = 0
        var remaining = pattern[0]
        var on = true
        if on { current.append(pts[0]) }
        for s in 1..<pts.count {
            var (ax, ay) = pts[s - 1]
            let (bx, by) = pts[s]
            var segLen = ((bx - ax) * (bx - ax) + (by - ay) * (by - ay)).squareRoot()
            while segLen > remaining {
                let t = remaining / segLen
                let mx = ax + (bx - ax) * t, my = ay + (by - ay) * t
                if on { current.append((mx, my)); pieces.append(current); current = [] }
                else { current = [(mx, my)] }
                on.toggle()
                segLen -= remaining
                ax = mx; ay = my
                k = (k + 1) % pattern.count
                remaining = pattern[k]
            }
            remaining -= segLen
            if on { current.append((bx, by)) }
        }
        if on && current.count >= 2 { pieces.append(current) }
        return pieces
    }

    /// Strokes a polyline (round joins and caps unless `cap` is `.butt`), optionally dashed.
    /// Non-finite points break the line.
    mutating func strokePolyline(_ pts: [(Double, Double)], width w: Double, color: Color,
                                 dash: LineDash = .solid, cap: LineCap = .round, clip: Rect? = nil) {
        // Split at non-finite points.
        var runs: [[(Double, Double)]] = []
        var run: [(Double, Double)] = []
        for p in pts {
            if p.0.isFinite && p.1.isFinite { run.append(p) } else { if !run.isEmpty { runs.append(run) }; run = [] }
        }
        if !run.isEmpty { runs.append(run) }
        for r in runs {
            let pieces = dash.pattern(width: w).map { Canvas.dashed(r, pattern: $0) } ?? [r]
            for piece in pieces {
                if piece.count == 1 {
                    maskSegment(piece[0].0, piece[0].1, piece[0].0, piece[0].1, width: w, cap: cap, clip: clip)
                }
                for s in stride(from: 1, to: piece.count, by: 1) {
                    maskSegment(piece[s - 1].0, piece[s - 1].1, piece[s].0, piece[s].1, width: w, cap: cap, clip: clip)
                }
            }
        }
        flush(color, clip: clip)
    }

    /// A single straight segment.
    mutating func strokeLine(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double, width w: Double,
                             color: Color, dash: LineDash = .solid, cap: LineCap = .butt, clip: Rect? = nil) {
        strokePolyline([(ax, ay), (bx, by)], width: w, color: color, dash: dash, cap: cap, clip: clip)
    }

    /// Strokes the outline of a rectangle whose edges run along the given coordinates.
    mutating func strokeRect(_ r: Rect, width w: Double, color: Color) {
        let h = w / 2
        strokePolyline([(r.x0 - h, r.y0), (r.x1 + h, r.y0)], width: w, color: color, cap: .butt)
        strokePolyline([(r.x0 - h, r.y1), (r.x1 + h, r.y1)], width: w, color: color, cap: .butt)
        strokePolyline([(r.x0, r.y0 + h), (r.x0, r.y1 - h)], width: w, color: color, cap: .butt)
        strokePolyline([(r.x1, r.y0 + h), (r.x1, r.y1 - h)], width: w, color: color, cap: .butt)
    }

    // MARK: Fills

    /// Sub-scanlines per pixel row for polygon coverage; horizontal coverage is exact.
    static let polygonSubsamples = 5

    /// Fills a polygon (nonzero winding rule) with anti-aliased edges.
    mutating func fillPolygon(_ pts: [(Double, Double)], color: Color, clip: Rect? = nil) {
        let poly = pts.filter { $0.0.isFinite && $0.1.isFinite }
        guard poly.count >= 3 else { return }
        let minX = poly.map { $0.0 }.min()!, maxX = poly.map { $0.0 }.max()!
        let minY = poly.map { $0.1 }.min()!, maxY = poly.map { $0.1 }.max()!
        guard let b = pixelBounds(Rect(x0: minX, y0: minY, x1: maxX, y1: maxY), clip: clip) else { return }
        markDirty(b)
        let s = Canvas.polygonSubsamples
        let n = poly.count
        var accum = [Float](repeating: 0, count: b.2 - b.0)
        var crossings: [(x: Double, w: Int)] = []
        let xlo = Double(b.0), xhi = Double(b.2)
        for y in b.1..<b.3 {
            for k in 0..<accum.count { accum[k] = 0 }
            for sub in 0..<s {
                let sy = Double(y) + (Double(sub) + 0.5) / Double(s)
                crossings.removeAll(keepingCapacity: true)
                for e in 0..<n {
                    let (x0, y0) = poly[e], (x1, y1) = poly[(e + 1) % n]
                    if y0 == y1 { continue }
                    let up = y0 < y1
                    let lo = up ? y0 : y1, hi = up ? y1 : y0
                    if sy < lo || sy >= hi { continue }
                    let t = (sy - y0) / (y1 - y0)
                    crossings.append((x0 + (x1 - x0) * t, up ? 1 : -1))
                }
                if crossings.count < 2 { continue }
                crossings.sort { $0.x < $1.x }
                var wind = 0
                for c in 0..<(crossings.count - 1) {
                    wind += crossings[c].w
                    if wind == 0 { continue }
                    let xa = max(crossings[c].x, xlo), xb = min(crossings[c + 1].x, xhi)
                    if xb <= xa { continue }
                    var px = Int(floor(xa))
                    while Double(px) < xb && px < b.2 {
                        let ov = min(xb, Double(px + 1)) - max(xa, Double(px))
                        if ov > 0 { accum[px - b.0] += Float(ov) / Float(s) }
                        px += 1
                    }
                }
            }
            for x in b.0..<b.2 where accum[x - b.0] > 0 {
                let i = y * width + x
                mask[i] = max(mask[i], min(1, accum[x - b.0]))
            }
        }
        flush(color, clip: clip)
    }

    /// Fills an axis-aligned rectangle with exact area coverage at fractional edges.
    mutating func fillRect(_ r: Rect, color: Color, clip: Rect? = nil) {
        guard let b = pixelBounds(r, clip: clip) else { return }
        markDirty(b)
        for y in b.1..<b.3 {
            let fy = min(Double(y + 1), r.y1) - max(Double(y), r.y0)
            if fy <= 0 { continue }
            for x in b.0..<b.2 {
                let fx = min(Double(x + 1), r.x1) - max(Double(x), r.x0)
                if fx <= 0 { continue }
                let i = y * width + x
                mask[i] = max(mask[i], Float(min(1, fx) * min(1, fy)))
            }
        }
        flush(color, clip: clip)
    }

    /// Fills a disc of radius `r` centred at (cx, cy).
    mutating func fillCircle(_ cx: Double, _ cy: Double, radius r: Double, color: Color, clip: Rect? = nil) {
        let box = Rect(x0: cx - r - 1, y0: cy - r - 1, x1: cx + r + 1, y1: cy + r + 1)
        guard let b = pixelBounds(box, clip: clip) else { return }
        markDirty(b)
        let gain = Float(min(1, 2 * r))  // sub-pixel discs fade instead of vanishing
        for y in b.1..<b.3 {
            for x in b.0..<b.2 {
                let dx = Double(x) + 0.5 - cx, dy = Double(y) + 0.5 - cy
                let c = max(r, 0.5) + 0.5 - (dx * dx + dy * dy).squareRoot()
                if c > 0 {
                    let i = y * width + x
                    mask[i] = max(mask[i], Float(min(c, 1)) * gain)
                }
            }
        }
        flush(color, clip: clip)
    }

    // MARK: Raster sources

    /// Blends a coverage bitmap (0…255, `w`×`h`, rows top to bottom) with its top-left corner
    /// at integer pixel (x0, y0).
    mutating func blendCoverage(_ cov: [UInt8], width w: Int, height h: Int, at x0: Int, _ y0: Int,
                                color: Color, clip: Rect? = nil) {
        guard let b = pixelBounds(Rect(x0: Double(x0), y0: Double(y0), x1: Double(x0 + w), y1: Double(y0 + h)),
                                  clip: clip) else { return }
        markDirty(b)
        for y in b.1..<b.3 {
            for x in b.0..<b.2 {
                let v = cov[(y - y0) * w + (x - x0)]
                if v > 0 {
                    let i = y * width + x
                    mask[i] = max(mask[i], Float(v) / 255)
                }
            }
        }
        flush(color, clip: clip)
    }

    /// Paints a grid of colours (`cols`×`rows`, row 0 drawn at the top of `dest`) into the
    /// rectangle `dest` with nearest-neighbour sampling at pixel centres; pixels cut by the
    /// rectangle's edges get fractional coverage.
    mutating func drawCells(cols: Int, rows: Int, dest: Rect, clip: Rect?, color: (Int, Int) -> Color) {
        guard cols > 0, rows > 0, dest.width > 0, dest.height > 0, let b = pixelBounds(dest, clip: clip) else { return }
        for y in b.1..<b.3 {
            let fy = min(Double(y + 1), dest.y1) - max(Double(y), dest.y0)
            let v = (Double(y) + 0.5 - dest.y0) / dest.height
            let row = min(rows - 1, max(0, Int(v * Double(rows))))
            for x in b.0..<b.2 {
                let fx = min(Double(x + 1), dest.x1) - max(Double(x), dest.x0)
                let u = (Double(x) + 0.5 - dest.x0) / dest.width
                let col = min(cols - 1, max(0, Int(u * Double(cols))))
                let c = color(col, row)
                let cov = min(1, fx) * min(1, fy) * c.alpha * Double(clipCoverage(x, y, clip))
                if cov <= 0 { continue }
                let i = y * width + x
                rgb[3 * i] += (c.red - rgb[3 * i]) * cov
                rgb[3 * i + 1] += (c.green - rgb[3 * i + 1]) * cov
                rgb[3 * i + 2] += (c.blue - rgb[3 * i + 2]) * cov
            }
        }
    }

    /// The canvas as 8-bit RGBA (opaque).
    func image() -> RGBAImage {
        var px = [UInt8](repeating: 255, count: width * height * 4)
        for i in 0..<(width * height) {
            px[4 * i] = UInt8(min(255, max(0, (rgb[3 * i] * 255).rounded())))
            px[4 * i + 1] = UInt8(min(255, max(0, (rgb[3 * i + 1] * 255).rounded())))
            px[4 * i + 2] = UInt8(min(255, max(0, (rgb[3 * i + 2] * 255).rounded())))
        }
        return RGBAImage(width: width, height: height, pixels: px)
    }
}
