import Foundation

/// An sRGB colour with straight (non-premultiplied) alpha, components in [0, 1].
/// Blending happens in sRGB space, as in matplotlib's Agg backend.
public struct Color: Sendable, Equatable, Hashable {
    public var red: Double
    public var green: Double
    public var blue: Double
    public var alpha: Double

    public init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
        self.red = red; self.green = green; self.blue = blue; self.alpha = alpha
    }

    /// `Color(hex: 0x1f77b4)`: 24-bit RGB.
    public init(hex: UInt32, alpha: Double = 1) {
        self.init(red: Double((hex >> 16) & 0xFF) / 255, green: Double((hex >> 8) & 0xFF) / 255,
                  blue: Double(hex & 0xFF) / 255, alpha: alpha)
    }

    /// A grey level in [0, 1] (0 = black).
    public init(gray: Double, alpha: Double = 1) {
        self.init(red: gray, green: gray, blue: gray, alpha: alpha)
    }

    /// The same colour with its alpha replaced.
    public func withAlpha(_ a: Double) -> Color { Color(red: red, green: green, blue: blue, alpha: a) }

    /// Linear interpolation between two colours (t = 0 gives `self`).
    public func mixed(with other: Color, _ t: Double) -> Color {
        Color(red: red + (other.red - red) * t, green: green + (other.green - green) * t,
              blue: blue + (other.blue - blue) * t, alpha: alpha + (other.alpha - alpha) * t)
    }

    public static let black = Color(gray: 0)
    public static let white = Color(gray: 1)
    /// Text and axis colour (matplotlib draws pure black; a hair lighter reads better on screen).
    public static let ink = Color(hex: 0x1A1A1A)
}

/// Categorical palettes. Both are safe for the common colour-vision deficiencies.
public enum Palette {
    /// matplotlib's default `tab10` cycle (Tableau 10).
    public static let tab10: [Color] = [
        0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD,
        0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22, 0x17BECF,
    ].map { Color(hex: $0) }

    /// Okabe & Ito (2008), "Color Universal Design": eight colours distinguishable under
    /// protanopia, deuteranopia and tritanopia, extended to ten classes with two greys.
    public static let okabeIto: [Color] = [
        0xE69F00, 0x56B4E9, 0x009E73, 0xF0E442, 0x0072B2,
        0xD55E00, 0xCC79A7, 0x000000, 0x999999, 0x5D3A9B,
    ].map { Color(hex: $0) }

    /// The `i`-th colour of `palette`, cycling.
    public static func color(_ i: Int, in palette: [Color] = tab10) -> Color {
        palette[((i % palette.count) + palette.count) % palette.count]
    }
}

/// A continuous colormap: maps t ∈ [0, 1] to a colour by piecewise-linear interpolation
/// between equally spaced stops.
public struct Colormap: Sendable, Equatable {
    public var stops: [Color]
    public var name: String

    public init(name: String, stops: [Color]) {
        precondition(stops.count >= 2, "a colormap needs at least two stops")
        self.name = name
        self.stops = stops
    }

    /// The colour at `t` (clamped to [0, 1]; NaN maps to `stops[0]`).
    public func color(at t: Double) -> Color {
        guard t.isFinite else { return stops[0] }
        let u = min(max(t, 0), 1) * Double(stops.count - 1)
        let i = min(Int(u), stops.count - 2)
        return stops[i].mixed(with: stops[i + 1], u - Double(i))
    }

    /// viridis (van der Walt & Smith 2015, CC0): perceptually uniform, monotone in lightness,
    /// readable in greyscale and under colour-vision deficiency. Ten published stops
    /// (viridis(10)); linear interpolation between them stays within a few units of the
    /// 256-entry table.
    public static let viridis = Colormap(name: "viridis", stops: [
        0x440154, 0x482878, 0x3E4A89, 0x31688E, 0x26828E,
        0x1F9E89, 0x35B779, 0x6DCD59, 0xB4DE2C, 0xFDE725,
    ].map { Color(hex: $0) })

    /// Black (0) to white (1).
    public static let gray = Colormap(name: "gray", stops: [.black, .white])

    /// White (0) to black (1): ink on paper, the usual way to show MNIST digits in print.
    public static let grayInverted = Colormap(name: "gray_r", stops: [.white, .black])
}
