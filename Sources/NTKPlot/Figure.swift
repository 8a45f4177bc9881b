import Foundation
import NTKCore

/// Sizes (logical pixels, multiplied by the figure's `scale`) and colours of figure furniture.
/// Defaults follow matplotlib's look at 100 dpi: 10–12 pt text, 1 px spines, outward ticks.
public struct Theme: Sendable {
    public var background = Color.white
    public var text = Color.ink
    public var axis = Color.ink
    public var tickLabelSize = 12.5
    public var axisLabelSize = 13.5
    public var titleSize = 14.5
    public var legendSize = 12.0
    public var figureTitleSize = 16.0
    public var frameWidth = 1.0
    public var tickLength = 4.5
    public var minorTickLength = 2.5
    public var tickWidth = 1.0
    /// Gap between a tick and its label.
    public var tickPad = 3.5
    /// Gap between tick labels and the axis label.
    public var labelPad = 6.0
    /// Gap between the axes and the panel title.
    public var titlePad = 8.0
    public var gridColor = Color(gray: 0.87)
    public var gridWidth = 0.8
    /// Empty space around every panel cell.
    public var panelPadding = 10.0
    public var colorBarWidth = 14.0
    public var colorBarPad = 12.0
    /// Default line-colour cycle.
    public var cycle: [Color] = Palette.tab10

    public init() {}
}

/// A figure: a grid of `rows × columns` panels on a canvas of `width × height` logical pixels,
/// rendered at `scale` device pixels per logical pixel (scale 2 for print). Value type: build it,
/// then call `render()` or `write(pngPath:metadata:)`. Rendering is deterministic: the same
/// description gives the same pixels and the same PNG bytes.
public struct Figure: Sendable {
    public var width: Double
    public var height: Double
    public var scale: Double
    public var rows: Int
    public var columns: Int
    /// Panels in row-major order; missing trailing cells stay empty.
    public var panels: [Panel]
    /// Optional figure title (suptitle) above all panels.
    public var title: String?
    public var theme: Theme

    public init(width: Double = 640, height: Double = 480, scale: Double = 1, rows: Int = 1, columns: Int = 1,
                title: String? = nil, theme: Theme = Theme(), panels: [Panel] = []) {
        self.width = width; self.height = height; self.scale = scale; self.rows = rows; self.columns = columns
        self.title = title; self.theme = theme; self.panels = panels
    }

    /// The panel at (`row`, `column`); setting a cell past the end fills the gap with empty panels.
    public subscript(row: Int, column: Int) -> Panel {
        get {
            let i = row * columns + column
            return i < panels.count ? panels[i] : Panel()
        }
        set {
            let i = row * columns + column
            while panels.count <= i { panels.append(Panel()) }
            panels[i] = newValue
        }
    }

    /// Pixel size of the rendered image.
    public var pixelSize: (width: Int, height: Int) {
        (Int((width * scale).rounded()), Int((height * scale).rounded()))
    }

    /// Renders the figure to an RGBA raster.
    /// - Throws: `PlotError.fontNotFound` (naming the package) if the font file is missing,
    ///   `PlotError.invalidFigure` for inconsistent series.
    public func render() throws -> RGBAImage {
        try validate()
        let renderer = try FigureRenderer(figure: self)
        return try renderer.run()
    }

    /// The PNG bytes of the rendered figure, with `metadata` as text chunks (sorted by key;
    /// "Title" defaults to the figure title, "Software" to this library).
    public func pngData(metadata: [String: String] = [:]) throws -> Data {
        var meta = metadata
        if meta["Title"] == nil, let t = title { meta["Title"] = t }
        if meta["Software"] == nil { meta["Software"] = "ntk-replication NTKPlot (libpng, FreeType)" }
        let text = meta.keys.sorted().map { (key: $0, value: meta[$0]!) }
        return try PNGCodec.encode(render(), text: text)
    }

    /// Renders and writes the figure as a PNG, atomically (through `AtomicFile`).
    /// - Throws: `OutputError` whose `path` is `pngPath` when the file cannot be written
    ///   (e.g. the directory cannot be created); rendering errors as `render()`.
    public func write(pngPath: String, metadata: [String: String] = [:]) throws {
        try AtomicFile.write(pngData(metadata: metadata), to: pngPath)
    }

    func validate() throws {
        guard width > 0, height > 0, scale > 0, rows > 0, columns > 0 else {
            throw PlotError.invalidFigure("size, scale, rows and columns must be positive")
        }
        guard panels.count <= rows * columns else {
            throw PlotError.invalidFigure("\(panels.count) panels do not fit a \(rows)×\(columns) grid")
        }
        for (pi, p) in panels.enumerated() {
            for s in p.series {
                switch s {
                case let .line(l) where l.x.count != l.y.count:
                    throw PlotError.invalidFigure("panel \(pi): line x has \(l.x.count) values, y \(l.y.count)")
                case let .scatter(sc) where sc.x.count != sc.y.count || (sc.categories.map { $0.count != sc.x.count } ?? false):
                    throw PlotError.invalidFigure("panel \(pi): scatter x, y (and categories) differ in length")
                case let .band(b) where b.x.count != b.lower.count || b.x.count != b.upper.count:
                    throw PlotError.invalidFigure("panel \(pi): band x, lower, upper differ in length")
                case let .image(im) where im.pixels.count != im.width * im.height:
                    throw PlotError.invalidFigure("panel \(pi): image has \(im.pixels.count) pixels, expected \(im.width)×\(im.height)")
                default: break
                }
            }
        }
    }
}

/// Provenance text chunks for figure PNGs.
public enum Provenance {
    /// Title, command line, seed, git commit and date (UTC, ISO 8601). The date comes from
    /// `SOURCE_DATE_EPOCH` when set (reproducible-builds convention), so a rerun can reproduce
    /// the bytes of a committed figure exactly; otherwise it is the current time.
    public static func metadata(title: String, seed: UInt64?, extra: [String: String] = [:]) -> [String: String] {
        var m: [String: String] = ["Title": title,
                                   "Command": commandLine,
                                   "Git commit": gitCommit(),
                                   "Date": date()]
        if let s = seed { m["Seed"] = String(s) }
        for (k, v) in extra { m[k] = v }
        return m
    }

    /// `git rev-parse HEAD` of the working directory, or "unknown".
    public static func gitCommit() -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "rev-parse", "HEAD"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return "unknown" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return "unknown" }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The command line of this process.
    public static var commandLine: String { CommandLine.arguments.joined(separator: " ") }

    /// The run date (UTC, ISO 8601; `SOURCE_DATE_EPOCH` when set).
    public static func date() -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        if let s = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], let t = Double(s) {
            return f.string(from: Date(timeIntervalSince1970: t))
        }
        return f.string(from: Date())
    }
}
