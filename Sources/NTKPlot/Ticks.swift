import Foundation

/// Scale of an axis.
public enum AxisScale: Sendable, Equatable {
    case linear
    /// Base-10 logarithmic; non-positive data are ignored.
    case log10

    func forward(_ v: Double) -> Double { self == .linear ? v : Foundation.log10(v) }
    func inverse(_ u: Double) -> Double { self == .linear ? u : Foundation.pow(10, u) }
}

/// One tick mark. Minor ticks carry an empty label.
public struct Tick: Sendable, Equatable {
    public var value: Double
    public var label: String
    public var isMajor: Bool
}

/// "Nice" tick placement: steps of 1, 2 or 5 × 10ᵏ on linear axes, powers of ten on log axes.
public enum Ticks {
    /// Minus sign used in labels (U+2212, as typeset mathematics and matplotlib use).
    static let minus = "\u{2212}"

    /// Ticks for a linear axis covering [lo, hi] with at most `maxTicks` major ticks, at integer
    /// multiples of a step m·10ᵏ, m ∈ {1, 2, 5}. Labels are formatted from the integer multiple
    /// and the step's decimal exponent, so 3 × 0.1 prints as "0.3", never "0.30000000000000004".
    public static func linear(_ lo: Double, _ hi: Double, maxTicks: Int = 7) -> [Tick] {
        guard lo.isFinite, hi.isFinite, hi > lo else {
            return lo.isFinite ? [Tick(value: lo, label: format(lo), isMajor: true)] : []
        }
        let maxTicks = max(2, maxTicks)
        let range = hi - lo
        var e = Int(Foundation.floor(Foundation.log10(range / Double(maxTicks))))
        // Relative slack so that end points equal to a tick (0 and 1) are kept despite rounding.
        let eps = 1e-9
        while true {
            for m in [1, 2, 5] {
                let step = Double(m) * Foundation.pow(10, Double(e))
                let k0 = Int64(Foundation.ceil(lo / step - eps)), k1 = Int64(Foundation.floor(hi / step + eps))
                if k1 - k0 + 1 <= Int64(maxTicks) {
                    // Very large or very small values switch to d×10ⁿ labels.
                    let top = Foundation.log10(max(abs(lo), abs(hi)))
                    let scientific = top >= 6 || e <= -5
                    return (k0...k1).map { k in
                        let v = Double(k) * Double(m) * Foundation.pow(10, Double(e))
                        return Tick(value: v, label: fixedLabel(multiple: k * Int64(m), exponent: e,
                                                                scientific: scientific), isMajor: true)
                    }
                }
            }
            e += 1
        }
    }

    /// The label of k·10ᵉ with exactly max(0, −e) decimals, so all labels of one axis share
    /// their number of decimals ("0.0, 0.5, 1.0"), as in matplotlib.
    static func fixedLabel(multiple k: Int64, exponent e: Int, scientific: Bool) -> String {
        if k == 0 { return e < 0 && !scientific ? "0." + String(repeating: "0", count: -e) : "0" }
        if scientific || e >= 0 { return label(multiple: k, exponent: e) }
        var digits = String(abs(k))
        let frac = -e
        if digits.count <= frac { digits = String(repeating: "0", count: frac - digits.count + 1) + digits }
        let cut = digits.index(digits.endIndex, offsetBy: -frac)
        return (k < 0 ? minus : "") + digits[..<cut] + "." + digits[cut...]
    }

    /// The label of k·10ᵉ, written exactly (no binary rounding artefacts).
    static func label(multiple k: Int64, exponent e: Int) -> String {
        if k == 0 { return "0" }
        let neg = k < 0
        var digits = String(abs(k))
        var exp = e
        // Strip trailing zeros into the exponent: 20·10⁻² → 2·10⁻¹.
        while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast(); exp += 1 }
        let body: String
        let magnitude = digits.count - 1 + exp  // decimal exponent of the leading digit
        if magnitude >= 6 || magnitude <= -5 {
            // Scientific: d.ddd×10ⁿ
            var mant = String(digits.first!)
            if digits.count > 1 { mant += "." + digits.dropFirst() }
            body = mant + "×10" + superscript(magnitude)
        } else if exp >= 0 {
            body = digits + String(repeating: "0", count: exp)
        } else {
            let frac = -exp
            if digits.count > frac {
                let cut = digits.index(digits.endIndex, offsetBy: -frac)
                body = digits[..<cut] + "." + digits[cut...]
            } else {
                body = "0." + String(repeating: "0", count: frac - digits.count) + digits
            }
        }
        return (neg ? minus : "") + body
    }

    /// Labels a value that is not on a computed step (e.g. a single-tick axis).
    static func format(_ v: Double) -> String {
        if v == 0 { return "0" }
        let e = Int(Foundation.floor(Foundation.log10(abs(v)))) - 3
        let k = Int64((v / Foundation.pow(10, Double(e))).rounded())
        return label(multiple: k, exponent: e)
    }

    /// Unicode superscript of an integer: 10⁻³.
    public static func superscript(_ n: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        var s = n < 0 ? "⁻" : ""
        for c in String(abs(n)) { s.append(digits[Int(String(c))!]) }
        return s
    }

    /// Ticks for a log₁₀ axis covering [lo, hi] (both > 0): major ticks at powers of ten labelled
    /// "10ⁿ" (every k-th power when there are more than `maxTicks` decades), minor ticks at
    /// 2…9 × 10ⁿ when each decade is labelled. A range containing fewer than two powers of ten
    /// gets 1-2-5 ticks with decimal labels.
    public static func log10(_ lo: Double, _ hi: Double, maxTicks: Int = 7, minor: Bool = true) -> [Tick] {
        guard lo > 0, hi > lo, lo.isFinite, hi.isFinite else { return [] }
        let eps = 1e-9
        let e0 = Int(Foundation.ceil(Foundation.log10(lo) - eps)), e1 = Int(Foundation.floor(Foundation.log10(hi) + eps))
        let inRange: (Double) -> Bool = { $0 >= lo * (1 - eps) && $0 <= hi * (1 + eps) }
        if e1 - e0 + 1 >= 2 {
            let decades = e1 - e0 + 1
            let stride = Int((Double(decades) / Double(max(2, maxTicks))).rounded(.up))
            var ticks: [Tick] = []
            for e in (e0 - 1)...e1 {
                let v = Foundation.pow(10, Double(e))
                if e >= e0 && ((e % stride) + stride) % stride == 0 {
                    ticks.append(Tick(value: v, label: "10" + superscript(e), isMajor: true))
                }
                if minor && stride == 1 {
                    for m in 2...9 {
                        let w = Double(m) * v
                        if inRange(w) { ticks.append(Tick(value: w, label: "", isMajor: false)) }
                    }
                }
            }
            return ticks.sorted { $0.value < $1.value }
        }
        // Fewer than two decades boundaries: 1-2-5 mantissas.
        var ticks: [Tick] = []
        for e in (e0 - 1)...(e1 + 1) {
            for m in [1, 2, 5] {
                let v = Double(m) * Foundation.pow(10, Double(e))
                if inRange(v) { ticks.append(Tick(value: v, label: label(multiple: Int64(m), exponent: e), isMajor: true)) }
            }
        }
        if ticks.count < 2 { return linear(lo, hi, maxTicks: maxTicks) }
        return ticks.sorted { $0.value < $1.value }
    }
}
