import Foundation
import NTKCore

/// Marker shapes for scatter plots and line markers.
public enum MarkerShape: Sendable, Equatable {
    case circle, square, triangle, diamond
    /// Diagonal cross (×).
    case cross
    /// Upright cross (+).
    case plus
}

/// A data-space rectangle (`left`, `right`, `bottom`, `top`), as matplotlib's `extent`.
/// `top` may be smaller than `bottom`; the row order of images follows it.
public struct Extent: Sendable, Equatable {
    public var left: Double, right: Double, bottom: Double, top: Double
    public init(left: Double, right: Double, bottom: Double, top: Double) {
        self.left = left; self.right = right; self.bottom = bottom; self.top = top
    }
}

/// A polyline through (x[i], y[i]); non-finite values break the line.
public struct LineSeries: Sendable {
    public var x: [Double]
    public var y: [Double]
    /// `nil` takes the next colour of the panel's cycle (tab10).
    public var color: Color?
    /// Stroke width in logical pixels (multiplied by the figure's scale).
    public var width: Double
    public var dash: LineDash
    public var label: String?
    /// Optional marker drawn at every vertex.
    public var marker: MarkerShape?
    public var markerSize: Double

    public init(x: [Double], y: [Double], color: Color? = nil, width: Double = 1.75, dash: LineDash = .solid,
                label: String? = nil, marker: MarkerShape? = nil, markerSize: Double = 6) {
        self.x = x; self.y = y; self.color = color; self.width = width; self.dash = dash
        self.label = label; self.marker = marker; self.markerSize = markerSize
    }
}

/// Points (x[i], y[i]) drawn as markers, in one colour or coloured by class.
public struct ScatterSeries: Sendable {
    public var x: [Double]
    public var y: [Double]
    public var marker: MarkerShape
    /// Marker diameter in logical pixels.
    public var size: Double
    /// Single colour (`nil`: next colour of the cycle). Ignored when `categories` is set.
    public var color: Color?
    /// Optional class index per point; colours come from `palette` (cycling).
    public var categories: [Int]?
    public var palette: [Color]
    /// Legend names of the classes (index = class); each gets its own legend entry.
    public var categoryLabels: [String]?
    public var alpha: Double
    /// Optional outline colour (drawn 0.75 px wide); `nil` draws filled markers only.
    public var edgeColor: Color?
    public var label: String?

    public init(x: [Double], y: [Double], marker: MarkerShape = .circle, size: Double = 6, color: Color? = nil,
                categories: [Int]? = nil, palette: [Color] = Palette.tab10, categoryLabels: [String]? = nil,
                alpha: Double = 1, edgeColor: Color? = nil, label: String? = nil) {
        self.x = x; self.y = y; self.marker = marker; self.size = size; self.color = color
        self.categories = categories; self.palette = palette; self.categoryLabels = categoryLabels
        self.alpha = alpha; self.edgeColor = edgeColor; self.label = label
    }
}

/// The region between two curves, lower[i] ≤ y ≤ upper[i] at x[i] (quantile bands).
public struct BandSeries: Sendable {
    public var x: [Double]
    public var lower: [Double]
    public var upper: [Double]
    public var color: Color?
    /// Fill opacity.
    public var alpha: Double
    public var label: String?

    public init(x: [Double], lower: [Double], upper: [Double], color: Color? = nil, alpha: Double = 0.25,
                label: String? = nil) {
        self.x = x; self.lower = lower; self.upper = upper; self.color = color; self.alpha = alpha; self.label = label
    }
}

/// A horizontal (`y = value`) or vertical (`x = value`) line across the whole panel.
public struct ReferenceLine: Sendable {
    public var value: Double
    public var color: Color
    public var width: Double
    public var dash: LineDash
    public var label: String?

    public init(value: Double, color: Color = Color(gray: 0.25), width: Double = 1.25, dash: LineDash = .dashed,
                label: String? = nil) {
        self.value = value; self.color = color; self.width = width; self.dash = dash; self.label = label
    }
}

/// Row order of a matrix drawn as an image.
public enum ImageOrigin: Sendable, Equatable {
    /// Row 0 at the top (matrix / `imshow` convention).
    case upper
    /// Row 0 at the bottom.
    case lower
}

/// A matrix drawn as coloured cells with a colour bar.
public struct HeatmapSeries: Sendable {
    public var values: Matrix
    public var colormap: Colormap
    /// Value range mapped to the colormap ends (`nil`: min…max of the finite values).
    public var range: ClosedRange<Double>?
    /// Data-space placement (`nil`: cell centres at integer indices, as `imshow`).
    public var extent: Extent?
    public var origin: ImageOrigin
    public var showColorBar: Bool
    public var colorBarLabel: String?

    public init(values: Matrix, colormap: Colormap = .viridis, range: ClosedRange<Double>? = nil,
                extent: Extent? = nil, origin: ImageOrigin = .upper, showColorBar: Bool = true,
                colorBarLabel: String? = nil) {
        self.values = values; self.colormap = colormap; self.range = range; self.extent = extent
        self.origin = origin; self.showColorBar = showColorBar; self.colorBarLabel = colorBarLabel
    }

    var resolvedExtent: Extent {
        if let e = extent { return e }
        let c = Double(values.columns), r = Double(values.rows)
        return origin == .upper ? Extent(left: -0.5, right: c - 0.5, bottom: r - 0.5, top: -0.5)
            : Extent(left: -0.5, right: c - 0.5, bottom: -0.5, top: r - 0.5)
    }

    var resolvedRange: ClosedRange<Double> {
        if let r = range { return r }
        let finite = values.storage.filter { $0.isFinite }
        guard let lo = finite.min(), let hi = finite.max() else { return 0...1 }
        return lo < hi ? lo...hi : (lo - 0.5)...(hi + 0.5)
    }
}

/// A grey-scale (or colormapped) raster, e.g. a 28×28 MNIST digit, placed at `extent` with
/// row 0 at `extent.top`, and an optional coloured frame.
public struct ImageSeries: Sendable {
    /// Row-major values, `width * height` of them.
    public var pixels: [Double]
    public var width: Int
    public var height: Int
    public var extent: Extent
    public var colormap: Colormap
    public var range: ClosedRange<Double>
    public var frameColor: Color?
    /// Frame width in logical pixels.
    public var frameWidth: Double
    /// Optional caption drawn centred below the image.
    public var caption: String?

    public init(pixels: [Double], width: Int, height: Int, extent: Extent, colormap: Colormap = .grayInverted,
                range: ClosedRange<Double> = 0...1, frameColor: Color? = nil, frameWidth: Double = 2,
                caption: String? = nil) {
        self.pixels = pixels; self.width = width; self.height = height; self.extent = extent
        self.colormap = colormap; self.range = range; self.frameColor = frameColor; self.frameWidth = frameWidth
        self.caption = caption
    }
}

/// Anything a panel can draw.
public enum Series: Sendable {
    case line(LineSeries)
    case scatter(ScatterSeries)
    case band(BandSeries)
    case hline(ReferenceLine)
    case vline(ReferenceLine)
    case heatmap(HeatmapSeries)
    case image(ImageSeries)
}

/// Where a panel's legend goes.
public enum LegendPosition: Sendable, Equatable {
    /// The candidate corner/edge position that covers the fewest data (matplotlib's "best").
    case automatic
    case upperRight, upperLeft, lowerLeft, lowerRight
    case upperCenter, lowerCenter, centerLeft, centerRight
    /// No legend even if series are labelled.
    case hidden
}

/// One set of axes: title, axis labels and scales, and the series drawn in it (in order;
/// heatmaps and images are drawn first, under everything else).
public struct Panel: Sendable {
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var xScale: AxisScale
    public var yScale: AxisScale
    /// Fixed limits (`nil`: data range plus 5 % margins; images and heatmaps are tight).
    public var xLimits: ClosedRange<Double>?
    public var yLimits: ClosedRange<Double>?
    /// `nil`: inverted only when a heatmap with `origin: .upper` and no extent is present.
    public var yInverted: Bool?
    /// Light grid lines at the major ticks.
    public var grid: Bool
    public var legend: LegendPosition
    /// Equal data units per pixel on both axes (images, heatmaps).
    public var equalAspect: Bool
    /// Draw frame, ticks and tick labels (off for image grids).
    public var showAxes: Bool
    public var series: [Series]

    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil,
                xScale: AxisScale = .linear, yScale: AxisScale = .linear,
                xLimits: ClosedRange<Double>? = nil, yLimits: ClosedRange<Double>? = nil,
                grid: Bool = true, legend: LegendPosition = .automatic, equalAspect: Bool = false,
                showAxes: Bool = true, series: [Series] = []) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.xScale = xScale
        self.yScale = yScale; self.xLimits = xLimits; self.yLimits = yLimits; self.grid = grid
        self.legend = legend; self.equalAspect = equalAspect; self.showAxes = showAxes; self.series = series
    }

    // MARK: Builders (each appends one series)

    public mutating func line(x: [Double], y: [Double], color: Color? = nil, width: Double = 1.75,
                              dash: LineDash = .solid, label: String? = nil, marker: MarkerShape? = nil) {
        series.append(.line(LineSeries(x: x, y: y, color: color, width: width, dash: dash, label: label, marker: marker)))
    }

    public mutating func scatter(x: [Double], y: [Double], marker: MarkerShape = .circle, size: Double = 6,
                                 color: Color? = nil, alpha: Double = 1, label: String? = nil) {
        series.append(.scatter(ScatterSeries(x: x, y: y, marker: marker, size: size, color: color, alpha: alpha, label: label)))
    }

    /// Scatter coloured by class (`categories[i]` indexes `palette`); `classNames` label the legend.
    public mutating func scatter(x: [Double], y: [Double], categories: [Int], classNames: [String]? = nil,
                                 palette: [Color] = Palette.tab10, marker: MarkerShape = .circle,
                                 size: Double = 6, alpha: Double = 1) {
        series.append(.scatter(ScatterSeries(x: x, y: y, marker: marker, size: size, categories: categories,
                                             palette: palette, categoryLabels: classNames, alpha: alpha)))
    }

    public mutating func band(x: [Double], lower: [Double], upper: [Double], color: Color? = nil,
                              alpha: Double = 0.25, label: String? = nil) {
        series.append(.band(BandSeries(x: x, lower: lower, upper: upper, color: color, alpha: alpha, label: label)))
    }

    public mutating func hline(_ y: Double, color: Color = Color(gray: 0.25), width: Double = 1.25,
                               dash: LineDash = .dashed, label: String? = nil) {
        series.append(.hline(ReferenceLine(value: y, color: color, width: width, dash: dash, label: label)))
    }

    public mutating func vline(_ x: Double, color: Color = Color(gray: 0.25), width: Double = 1.25,
                               dash: LineDash = .dashed, label: String? = nil) {
        series.append(.vline(ReferenceLine(value: x, color: color, width: width, dash: dash, label: label)))
    }

    /// A heatmap; also switches on equal aspect and turns grid lines off.
    public mutating func heatmap(_ values: Matrix, colormap: Colormap = .viridis, range: ClosedRange<Double>? = nil,
                                 extent: Extent? = nil, origin: ImageOrigin = .upper, colorBarLabel: String? = nil) {
        series.append(.heatmap(HeatmapSeries(values: values, colormap: colormap, range: range, extent: extent,
                                             origin: origin, colorBarLabel: colorBarLabel)))
        equalAspect = true
        grid = false
    }

    public mutating func image(_ image: ImageSeries) { series.append(.image(image)) }

    /// A panel showing a grid of small images (e.g. MNIST digits) with optional coloured frames
    /// and captions, without axes. Tile `i` goes to row `i / columns`, column `i % columns`.
    ///
    /// - Parameters:
    ///   - images: row-major pixel values, each `imageWidth * imageHeight` long.
    ///   - frames: optional frame colour per tile (e.g. green = correct, red = wrong).
    ///   - gap: space between tiles as a fraction of the tile width.
    public static func imageGrid(title: String? = nil, images: [[Double]], imageWidth: Int, imageHeight: Int,
                                 columns: Int, frames: [Color?]? = nil, captions: [String]? = nil,
                                 colormap: Colormap = .grayInverted, range: ClosedRange<Double> = 0...1,
                                 gap: Double = 0.15) -> Panel {
        var p = Panel(title: title, grid: false, legend: .hidden, equalAspect: true, showAxes: false)
        let cols = max(1, columns)
        let rows = (images.count + cols - 1) / cols
        let aspect = Double(imageHeight) / Double(max(imageWidth, 1))
        let captionSpace = captions == nil ? 0 : 0.35
        for (i, img) in images.enumerated() {
            let r = i / cols, c = i % cols
            let left = Double(c) * (1 + gap)
            let top = -Double(r) * (aspect + gap + captionSpace)
            p.series.append(.image(ImageSeries(pixels: img, width: imageWidth, height: imageHeight,
                                               extent: Extent(left: left, right: left + 1, bottom: top - aspect, top: top),
                                               colormap: colormap, range: range, frameColor: frames?[i] ?? nil,
                                               caption: captions?[i])))
        }
        let width = Double(cols) * (1 + gap) - gap
        let height = Double(rows) * (aspect + gap + captionSpace) - gap
        p.xLimits = (-gap / 2)...(width + gap / 2)
        p.yLimits = (-height - gap / 2)...(gap / 2)
        p.yInverted = false
        return p
    }
}
