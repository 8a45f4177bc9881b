import Foundation
import NTKCore
import NTKPlot

/// A JSON value for free-form run parameters.
public enum JSONValue: Codable, Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByFloatLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral {
    case number(Double), string(String), bool(Bool), array([JSONValue]), object([String: JSONValue])

    public init(stringLiteral v: String) { self = .string(v) }
    public init(floatLiteral v: Double) { self = .number(v) }
    public init(integerLiteral v: Int) { self = .number(Double(v)) }
    public init(booleanLiteral v: Bool) { self = .bool(v) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public static func numbers(_ xs: [Double]) -> JSONValue { .array(xs.map { .number($0) }) }
    public static func ints(_ xs: [Int]) -> JSONValue { .array(xs.map { .number(Double($0)) }) }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .bool(let b): try c.encode(b)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

/// The run record written as NAME.json next to each figure.
public struct RunRecord: Codable, Sendable {
    public var figure: String
    public var title: String
    public var scale: Scale
    public var seed: UInt64
    public var parameters: [String: JSONValue]
    /// Setup choices that are ours, not the paper's ([Prop] in docs/SPEC.md), in words.
    public var proposals: [String]
    /// Observations worth reading next to the claims (e.g. a value that does not reproduce).
    public var notes: [String]
    public var gitCommit: String
    public var blas: String
    public var blasThreads: Int
    public var commandLine: String
    public var date: String
    public var wallTimeSeconds: Double
    public var claims: [Claim]
    /// SHA-256 of the other files of the set (NAME.png, NAME.csv), keyed by file name. The JSON
    /// is renamed into place last, so a record whose hashes match its neighbours marks a
    /// complete set; `claims-report` rejects one that does not. nil in records that predate it.
    public var outputs: [String: String]?

    public var allPassed: Bool { claims.allSatisfy(\.passed) }
}

/// A CSV table of the plotted numbers: header plus rows, full double precision.
public struct CSVTable: Sendable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

    public mutating func append(_ values: [CSVCell]) {
        precondition(values.count == header.count, "CSV row has \(values.count) cells, header has \(header.count)")
        rows.append(values.map(\.text))
    }

    public var text: String {
        ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}

/// One CSV cell: a number (printed with %.17g so it round-trips) or a string.
public enum CSVCell: ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, Sendable {
    case number(Double), string(String)
    public init(stringLiteral v: String) { self = .string(v) }
    public init(floatLiteral v: Double) { self = .number(v) }
    public init(integerLiteral v: Int) { self = .number(Double(v)) }
    public static func int(_ i: Int) -> CSVCell { .number(Double(i)) }
    var text: String {
        switch self {
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(format: "%.17g", d)
        case .string(let s): return s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
    }
}
