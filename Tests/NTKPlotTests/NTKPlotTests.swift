import Foundation
import NTKCore
import XCTest

@testable import NTKPlot

// Pixel checks are exact: the canvas stores Double RGB and rounds once to 8 bits, so an opaque
// full-coverage pixel is exactly its colour and an untouched pixel exactly the background.

final class PNGRoundTripTests: XCTestCase {
    /// A 200×100 figure whose only content is a 1 px red line at y = 0.5. With no title and no
    /// axes the margins are `panelPadding` (10 px), the frame snaps to x, y ∈ {10.5, 90.5} and
    /// y = 0.5 maps to pixel centre 50.5, i.e. row 50.
    func lineFigure() -> Figure {
        var p = Panel(xLimits: 0...1, yLimits: 0...1, grid: false, legend: .hidden, showAxes: false)
        p.hline(0.5, color: Color(red: 1, green: 0, blue: 0), width: 1, dash: .solid)
        return Figure(width: 200, height: 100, scale: 1, panels: [p])
    }

    func testRoundTripDimensionsPixelsAndText() throws {
        let dir = NSTemporaryDirectory() + "ntkplot-\(getpid())"
        let path = dir + "/line.png"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let meta = ["Title": "round trip Θ(x₀, x)", "Command": "plot-demo --seed 7", "Seed": "7",
                    "Git commit": "0123abc", "Date": "2024-01-01T00:00:00Z"]
        try lineFigure().write(pngPath: path, metadata: meta)
        let d = try PNGCodec.read(path: path)
        XCTAssertEqual(d.image.width, 200)
        XCTAssertEqual(d.image.height, 100)
        XCTAssertEqual(d.storedBitDepth, 8)
        XCTAssertEqual(d.storedColorType, 2, "an opaque figure is stored as 8-bit RGB")
        for x in 12..<188 {
            let p = d.image[x, 50]
            XCTAssertEqual([p.r, p.g, p.b, p.a], [255, 0, 0, 255], "row 50 at x=\(x) should be the red line")
        }
        for y in [0, 20, 48, 52, 80, 99] {
            for x in [0, 50, 100, 150, 199] {
                let p = d.image[x, y]
                XCTAssertEqual([p.r, p.g, p.b], [255, 255, 255], "(\(x), \(y)) should be background")
            }
        }
        // Outside the clip rectangle (the axes) the line must not be drawn.
        XCTAssertEqual(d.image[3, 50].g, 255)
        XCTAssertEqual(d.image[197, 50].g, 255)
        let text = Dictionary(d.text.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        for (k, v) in meta { XCTAssertEqual(text[k], v, "text chunk \(k)") }
        XCTAssertNotNil(text["Software"])
        XCTAssertNil(text["Creation Time"], "no implicit timestamps")
    }

    func testDeterministicBytes() throws {
        var rng = SeededGenerator(seed: 11)
        let xs = (0..<50).map { Double($0) / 5 }
        var p = Panel(title: "determinism", xLabel: "x", yLabel: "y")
        p.band(x: xs, lower: xs.map { sin($0) - 0.3 }, upper: xs.map { sin($0) + 0.3 }, label: "band")
        p.line(x: xs, y: xs.map { sin($0) }, dash: .dashDot, label: "sin")
        p.scatter(x: xs, y: xs.map { _ in rng.nextStandardNormal() }, categories: xs.indices.map { $0 % 10 })
        var q = Panel(xScale: .log10, yScale: .log10)
        q.line(x: [1, 10, 100], y: [1, 0.1, 0.01], marker: .square)
        var h = Panel()
        h.heatmap(Matrix(rows: 5, columns: 7, storage: (0..<35).map { Double($0) }), colorBarLabel: "v")
        let f = Figure(width: 900, height: 300, scale: 1.5, rows: 1, columns: 3, panels: [p, q, h])
        let meta = ["Seed": "11"]
        let a = try f.pngData(metadata: meta), b = try f.pngData(metadata: meta)
        XCTAssertEqual(a, b, "same description, same bytes")
        XCTAssertEqual(try f.render().width, 1350, "scale 1.5 multiplies the pixel size")
    }

    func testUnwritablePathThrowsOutputErrorNamingThePath() throws {
        let dir = NSTemporaryDirectory() + "ntkplot-unwritable-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let blocker = dir + "/not-a-directory"
        try AtomicFile.write("x", to: blocker)
        // The parent "directory" is a regular file, so even root cannot create the output.
        let path = blocker + "/figure.png"
        XCTAssertThrowsError(try lineFigure().write(pngPath: path)) { error in
            guard let e = error as? OutputError else { return XCTFail("expected OutputError, got \(error)") }
            XCTAssertEqual(e.path, path)
            XCTAssertTrue(e.description.contains(path))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testMissingFontNamesThePackage() {
        XCTAssertThrowsError(try FontRenderer(path: "/nonexistent/NoSuchFont.ttf")) { error in
            XCTAssertEqual(error as? PlotError, .fontNotFound(path: "/nonexistent/NoSuchFont.ttf", package: "fonts-dejavu-core"))
            XCTAssertTrue("\(error)".contains("fonts-dejavu-core"))
        }
    }

    func testMismatchedSeriesIsRejected() {
        var p = Panel()
        p.line(x: [1, 2, 3], y: [1, 2])
        XCTAssertThrowsError(try Figure(panels: [p]).render()) { error in
            guard case .invalidFigure = error as? PlotError else { return XCTFail("got \(error)") }
        }
    }

    func testDecodeRejectsGarbage() {
        XCTAssertThrowsError(try PNGCodec.decode(Data([1, 2, 3, 4, 5, 6, 7, 8, 9])))
        // A valid signature followed by truncated data: libpng's longjmp stays inside C.
        XCTAssertThrowsError(try PNGCodec.decode(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0]))) { error in
            guard case let .png(message) = error as? PlotError else { return XCTFail("got \(error)") }
            XCTAssertTrue(message.hasPrefix("libpng: "), "libpng's own message reaches Swift: \(message)")
        }
    }
}

final class TickTests: XCTestCase {
    func testUnitInterval() {
        let t = Ticks.linear(0, 1, maxTicks: 7)
        XCTAssertEqual(t.map { $0.label }, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        for (tick, k) in zip(t, 0...) { XCTAssertEqual(tick.value, Double(k) * 0.2, accuracy: 1e-15) }
    }

    func testSymmetricPi() {
        let t = Ticks.linear(-Double.pi, Double.pi, maxTicks: 7)
        XCTAssertEqual(t.map { $0.value }, [-3, -2, -1, 0, 1, 2, 3])
        XCTAssertEqual(t.map { $0.label }, ["−3", "−2", "−1", "0", "1", "2", "3"])
        // With more room the step drops to 1-2-5's next value below 1: 0.5 would give 13 ticks > 9,
        // so 1 is kept; with 13 allowed, 0.5.
        XCTAssertEqual(Ticks.linear(-Double.pi, Double.pi, maxTicks: 13).count, 13)
    }

    func testNoBinaryRoundingInLabels() {
        let t = Ticks.linear(0, 0.9, maxTicks: 10)
        XCTAssertTrue(t.contains { $0.label == "0.3" })
        XCTAssertTrue(t.allSatisfy { $0.label.count <= 3 }, "\(t.map { $0.label })")
        XCTAssertEqual(Ticks.linear(0, 3e-6, maxTicks: 4).map { $0.label }, ["0", "1×10⁻⁶", "2×10⁻⁶", "3×10⁻⁶"])
        XCTAssertEqual(Ticks.linear(-0.05, 0.05, maxTicks: 5).map { $0.label }, ["−0.04", "−0.02", "0.00", "0.02", "0.04"])
    }

    func testLogDecades() {
        let t = Ticks.log10(3e-4, 2e-1)
        let major = t.filter { $0.isMajor }
        XCTAssertEqual(major.map { $0.label }, ["10⁻³", "10⁻²", "10⁻¹"])
        for (m, e) in zip(major, [-3.0, -2, -1]) { XCTAssertEqual(m.value, pow(10, e), accuracy: 1e-18) }
        let minor = t.filter { !$0.isMajor }.map { $0.value }
        XCTAssertEqual(minor.count, 7 + 8 + 8 + 1, "3e-4…9e-4, 2e-3…9e-3, 2e-2…9e-2, 2e-1")
        XCTAssertTrue(minor.allSatisfy { $0 >= 3e-4 * (1 - 1e-12) && $0 <= 2e-1 * (1 + 1e-12) })
    }

    func testLogManyDecadesThins() {
        let t = Ticks.log10(1e-12, 1e3, maxTicks: 6).filter { $0.isMajor }
        XCTAssertLessThanOrEqual(t.count, 6)
        XCTAssertGreaterThanOrEqual(t.count, 3)
    }

    func testLogWithinOneDecadeUses125() {
        let t = Ticks.log10(0.15, 0.6).filter { $0.isMajor }
        XCTAssertEqual(t.map { $0.label }, ["0.2", "0.5"])
    }
}

final class RasterTests: XCTestCase {
    /// Sub-scanline quantisation: at most 1/polygonSubsamples of a pixel per edge pixel on the
    /// horizontal edges (2 × 10 pixels here).
    let polygonAreaTolerance = 2.0 * 10.0 / Double(Canvas.polygonSubsamples)

    func darkness(_ c: Canvas) -> Double {
        stride(from: 0, to: c.rgb.count, by: 3).map { 1 - c.rgb[$0] }.reduce(0, +)
    }

    func testPolygonArea() {
        var c = Canvas(width: 40, height: 40, background: .white)
        c.fillPolygon([(10.5, 10.5), (20.5, 10.5), (20.5, 20.5), (10.5, 20.5)], color: .black)
        XCTAssertEqual(darkness(c), 100, accuracy: polygonAreaTolerance)
        var t = Canvas(width: 40, height: 40, background: .white)
        t.fillPolygon([(5, 5), (35, 5), (5, 35)], color: .black)  // right triangle, area 450
        XCTAssertEqual(darkness(t), 450, accuracy: 30.0 / Double(Canvas.polygonSubsamples) * 2)
    }

    func testAlphaFillBlendsOnce() {
        var c = Canvas(width: 10, height: 10, background: .white)
        c.fillPolygon([(0, 0), (10, 0), (10, 10), (0, 10)], color: Color.black.withAlpha(0.25))
        XCTAssertEqual(c.rgb[3 * 55], 0.75, accuracy: 1e-12)
    }

    func testLineCoverageSumsToWidth() {
        var c = Canvas(width: 60, height: 30, background: .white)
        c.strokeLine(5, 15.5, 55, 15.5, width: 3, color: .black, cap: .butt)
        let column = (0..<30).map { 1 - c.rgb[3 * ($0 * 60 + 30)] }
        XCTAssertEqual(column.reduce(0, +), 3, accuracy: 1e-12)
        XCTAssertEqual(column[14], 1); XCTAssertEqual(column[15], 1); XCTAssertEqual(column[16], 1)
    }

    func testClippingKeepsLineInsideRect() {
        var c = Canvas(width: 50, height: 50, background: .white)
        let clip = Rect(x0: 10, y0: 10, x1: 40, y1: 40)
        c.strokePolyline([(0, 0), (50, 50)], width: 4, color: .black, clip: clip)
        for y in 0..<50 {
            for x in 0..<50 where !(x >= 10 && x < 40 && y >= 10 && y < 40) {
                XCTAssertEqual(c.rgb[3 * (y * 50 + x)], 1, "pixel (\(x), \(y)) outside the clip was painted")
            }
        }
        XCTAssertLessThan(c.rgb[3 * (25 * 50 + 25)], 0.01)
    }

    func testDashPattern() {
        let pieces = Canvas.dashed([(0, 0), (100, 0)], pattern: [10, 5])
        XCTAssertEqual(pieces.count, 7)  // on at 0, 15, 30, 45, 60, 75, 90
        let onLength = pieces.map { $0.last!.0 - $0.first!.0 }.reduce(0, +)
        XCTAssertEqual(onLength, 70, accuracy: 1e-9)
    }

    func testTextInExpectedBox() throws {
        let r = try FigureRenderer(figure: Figure(width: 300, height: 120))
        let size = 20.0
        try r.drawText("Hxg 0.5", size: size, x: 40, y: 30, h: .left, v: .top)
        let w = try r.textWidth("Hxg 0.5", size), lh = try r.lineHeight(size)
        let img = r.canvas.image()
        var inside = 0, outside = 0
        for y in 0..<img.height {
            for x in 0..<img.width where img[x, y].r < 250 {
                if Double(x) >= 40 - 1 && Double(x) < 40 + w + 1 && Double(y) >= 30 && Double(y) < 30 + lh { inside += 1 } else { outside += 1 }
            }
        }
        XCTAssertGreaterThan(inside, 100, "glyphs should ink a good number of pixels")
        XCTAssertEqual(outside, 0, "no ink outside the text box")
        XCTAssertGreaterThan(w, 3 * size, "7 glyphs at 20 px are wider than 60 px")
        XCTAssertLessThan(w, 7 * size)
    }

    func testRotatedTextIsVertical() throws {
        let r = try FigureRenderer(figure: Figure(width: 120, height: 300))
        try r.drawText("rotated label", size: 16, x: 60, y: 150, h: .center, v: .center, rotated: true)
        let img = r.canvas.image()
        var xs: [Int] = [], ys: [Int] = []
        for y in 0..<img.height { for x in 0..<img.width where img[x, y].r < 250 { xs.append(x); ys.append(y) } }
        XCTAssertFalse(xs.isEmpty)
        XCTAssertGreaterThan(ys.max()! - ys.min()!, 3 * (xs.max()! - xs.min()!), "rotated text runs vertically")
    }
}
