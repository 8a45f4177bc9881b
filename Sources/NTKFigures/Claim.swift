import Foundation

/// Where a claim or a setup choice comes from (docs/SPEC.md tags).
public enum Source: String, Codable, Sendable {
    case paper = "paper"
    case poster = "poster"
    case proposal = "[Prop]"
    case arora = "Arora et al. 2019"
    case lee = "Lee et al. 2019"
    /// Mohamadi, Bae & Sutherland (ICML 2023) and source document 001, the pNTK talk.
    case pntk = "Mohamadi et al. 2023"
    /// Lee, Bahri, Novak, Schoenholz, Pennington & Sohl-Dickstein (ICLR 2018), Table 1.
    case lee2018 = "Lee et al. 2018"
    /// Source 003, the blog on the implications of the NTK (docs/SPEC.md Sources).
    case blog = "source 003 (NTK blog)"
}

/// What kind of evidence a claim is (docs/SPEC.md §4).
///
/// - `prediction`: nothing in the setup was tuned on the claimed quantity; the check can fail.
/// - `calibration(why)`: a setup choice was made to match the claimed value (`why` says which),
///   so passing confirms the choice rather than the theory.
public enum ClaimKind: Sendable, Equatable {
    case prediction
    case calibration(String)

    public var name: String {
        switch self {
        case .prediction: return "prediction"
        case .calibration: return "calibration"
        }
    }
}

/// One checked claim of a figure, as recorded in NAME.json and CLAIMS.md.
/// Tolerances shared by several figures' claims.
public enum SharedTolerance {
    /// The most a slope window may be widened by the run's own standard error (3 SE): half the
    /// distance from the n^−½ rate to a plateau (slope 0). A fault that inflates the scatter then
    /// cannot widen a window until it admits a quantity that does not shrink at all.
    public static let slopeNoiseWideningCap = 0.25
}

public struct Claim: Codable, Sendable, Equatable {
    /// The docs/SPEC.md §4 row (e.g. "6", "6b").
    public var id: String
    /// What the paper (or we) claim, in words.
    public var statement: String
    /// Where the claim comes from.
    public var source: Source
    /// Prediction or calibration (recorded as `"kind"` and, for a calibration, `"calibration"`).
    public var kind: ClaimKind
    /// The quantity measured by this run.
    public var quantity: String
    /// The measured value.
    public var measured: Double
    /// The expected value or range, in words (e.g. "0.2825", "∈ [−0.65, −0.40]").
    public var expected: String
    /// The rule that decides pass/fail, with its reason (standard error, float precision).
    public var tolerance: String
    public var passed: Bool

    public init(id: String, statement: String, source: Source, kind: ClaimKind, quantity: String, measured: Double,
                expected: String, tolerance: String, passed: Bool) {
        self.id = id
        self.statement = statement
        self.source = source
        self.kind = kind
        self.quantity = quantity
        self.measured = measured
        self.expected = expected
        self.tolerance = tolerance
        self.passed = passed && measured.isFinite
    }

    enum CodingKeys: String, CodingKey {
        case id, statement, source, kind, calibration, quantity, measured, expected, tolerance, passed
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        statement = try c.decode(String.self, forKey: .statement)
        source = try c.decode(Source.self, forKey: .source)
        switch try c.decode(String.self, forKey: .kind) {
        case "prediction": kind = .prediction
        case "calibration": kind = .calibration(try c.decode(String.self, forKey: .calibration))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown claim kind '\(other)'")
        }
        quantity = try c.decode(String.self, forKey: .quantity)
        measured = try c.decode(Double.self, forKey: .measured)
        expected = try c.decode(String.self, forKey: .expected)
        tolerance = try c.decode(String.self, forKey: .tolerance)
        passed = try c.decode(Bool.self, forKey: .passed)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(statement, forKey: .statement)
        try c.encode(source, forKey: .source)
        try c.encode(kind.name, forKey: .kind)
        if case .calibration(let why) = kind { try c.encode(why, forKey: .calibration) }
        try c.encode(quantity, forKey: .quantity)
        try c.encode(measured, forKey: .measured)
        try c.encode(expected, forKey: .expected)
        try c.encode(tolerance, forKey: .tolerance)
        try c.encode(passed, forKey: .passed)
    }

    /// A claim that `measured` lies in the closed interval `range`.
    public static func inRange(_ id: String, _ statement: String, source: Source, kind: ClaimKind, quantity: String,
                               measured: Double, range: ClosedRange<Double>, expected: String,
                               reason: String) -> Claim {
        Claim(id: id, statement: statement, source: source, kind: kind, quantity: quantity, measured: measured,
              expected: expected, tolerance: "∈ [\(fmt(range.lowerBound)), \(fmt(range.upperBound))]: \(reason)",
              passed: range.contains(measured))
    }

    /// A claim that `|measured − target| < tol`.
    public static func close(_ id: String, _ statement: String, source: Source, kind: ClaimKind, quantity: String,
                             measured: Double, target: Double, tol: Double, reason: String) -> Claim {
        Claim(id: id, statement: statement, source: source, kind: kind, quantity: quantity, measured: measured,
              expected: fmt(target), tolerance: "|Δ| < \(fmt(tol)): \(reason)",
              passed: abs(measured - target) < tol)
    }

    /// A claim that `measured < bound` (or `>` with `above: true`).
    public static func bound(_ id: String, _ statement: String, source: Source, kind: ClaimKind, quantity: String,
                             measured: Double, bound: Double, above: Bool = false, expected: String,
                             reason: String) -> Claim {
        Claim(id: id, statement: statement, source: source, kind: kind, quantity: quantity, measured: measured,
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
