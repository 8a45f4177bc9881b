import Foundation

/// Where a claim or a setup choice comes from (PAPER-SPEC tags).
public enum Source: String, Codable, Sendable {
    case paper = "paper"
    case poster = "poster"
    case proposal = "[Prop]"
    case arora = "Arora et al. 2019"
    case lee = "Lee et al. 2019"
}

/// One checked claim of a figure, as recorded in NAME.json and CLAIMS.md.
public struct Claim: Codable, Sendable, Equatable {
    /// The PAPER-SPEC §4 row (e.g. "6", "6b").
    public var id: String
    /// What the paper (or we) claim, in words.
    public var statement: String
    /// Where the claim comes from.
    public var source: Source
    /// The quantity measured by this run.
    public var quantity: String
    /// The measured value.
    public var measured: Double
    /// The expected value or range, in words (e.g. "0.2825", "∈ [−0.65, −0.40]").
    public var expected: String
    /// The rule that decides pass/fail, with its reason (standard error, float precision).
    public var tolerance: String
    public var passed: Bool

    public init(id: String, statement: String, source: Source, quantity: String, measured: Double,
                expected: String, tolerance: String, passed: Bool) {
        self.id = id
        self.statement = statement
        self.source = source
        self.quantity = quantity
        self.measured = measured
        self.expected = expected
        self.tolerance = tolerance
        self.passed = passed && measured.isFinite
    }

    /// A claim that `measured` lies in the closed interval `range`.
    public static func inRange(_ id: String, _ statement: String, source: Source, quantity: String,
                               measured: Double, range: ClosedRange<Double>, expected: String,
                               reason: String) -> Claim {
        Claim(id: id, statement: statement, source: source, quantity: quantity, measured: measured,
              expected: expected, tolerance: "∈ [\(fmt(range.lowerBound)), \(fmt(range.upperBound))]: \(reason)",
              passed: range.contains(measured))
    }

    /// A claim that `|measured − target| < tol`.
    public static func close(_ id: String, _ statement: String, source: Source, quantity: String,
                             measured: Double, target: Double, tol: Double, reason: String) -> Claim {
        Claim(id: id, statement: statement, source: source, quantity: quantity, measured: measured,
              expected: fmt(target), tolerance: "|Δ| < \(fmt(tol)): \(reason)",
              passed: abs(measured - target) < tol)
    }

    /// A claim that `measured < bound` (or `>` with `above: true`).
    public static func bound(_ id: String, _ statement: String, source: Source, quantity: String,
                             measured: Double, bound: Double, above: Bool = false, expected: String,
                             reason: String) -> Claim {
        Claim(id: id, statement: statement, source: source, quantity: quantity, measured: measured,
              expected: expected, tolerance: "\(above ? ">" : "<") \(fmt(bound)): \(reason)",
              passed: above ? measured > bound : measured < bound)
    }
}

/// Compact number formatting for tables and labels (4 significant digits).
public func fmt(_ x: Double) -> String {
    if x == 0 { return "0" }
    if !x.isFinite { return "\(x)" }
    let a = abs(x)
    if a >= 1e-3 && a < 1e5 {
        var s = String(format: "%.4g", x)
        if s.contains("e") { s = String(format: "%g", x) }
        return s
    }
    return String(format: "%.3e", x)
}
