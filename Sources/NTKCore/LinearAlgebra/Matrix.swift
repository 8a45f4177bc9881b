import Foundation

/// A dense matrix of `Double`, stored row-major in one contiguous array.
///
/// Value semantics (the `[Double]` storage is copy-on-write). Element (i, j) lives at
/// `storage[i * columns + j]`. Every dense product and factorisation goes through BLAS/LAPACK
/// (see `Matrix+BLAS.swift` and `Matrix+LAPACK.swift`); this file holds only construction and
/// element access.
public struct Matrix: Equatable, Sendable, CustomStringConvertible {
    /// Number of rows.
    public private(set) var rows: Int
    /// Number of columns.
    public private(set) var columns: Int
    /// Row-major elements; `storage.count == rows * columns`.
    public var storage: [Double]

    /// A `rows × columns` matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = [Double](repeating: value, count: rows * columns)
    }

    /// A matrix over existing row-major storage.
    public init(rows: Int, columns: Int, storage: [Double]) {
        precondition(storage.count == rows * columns,
                     "Matrix storage has \(storage.count) elements, expected \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// A matrix from an array of equal-length rows.
    public init(_ rowArrays: [[Double]]) {
        let r = rowArrays.count
        let c = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == c }, "Matrix rows must have equal length")
        self.init(rows: r, columns: c, storage: rowArrays.flatMap { $0 })
    }

    /// A matrix whose elements are `f(i, j)`.
    public init(rows: Int, columns: Int, _ f: (Int, Int) -> Double) {
        var s = [Double]()
        s.reserveCapacity(rows * columns)
        for i in 0..<rows { for j in 0..<columns { s.append(f(i, j)) } }
        self.init(rows: rows, columns: columns, storage: s)
    }

    /// The n×n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.storage[i * n + i] = 1 }
        return m
    }

    /// A diagonal matrix with the given diagonal.
    public static func diagonal(_ d: [Double]) -> Matrix {
        var m = Matrix(rows: d.count, columns: d.count)
        for (i, v) in d.enumerated() { m.storage[i * d.count + i] = v }
        return m
    }

    @inlinable
    public subscript(i: Int, j: Int) -> Double {
        get { storage[i * columns + j] }
        set { storage[i * columns + j] = newValue }
    }

    /// True when rows == columns.
    public var isSquare: Bool { rows == columns }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Double] {
        Array(storage[(i * columns)..<((i + 1) * columns)])
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] {
        (0..<rows).map { storage[$0 * columns + j] }
    }

    /// The diagonal entries.
    public var diagonal: [Double] {
        (0..<Swift.min(rows, columns)).map { storage[$0 * columns + $0] }
    }

    /// Sum of the diagonal.
    public var trace: Double { diagonal.reduce(0, +) }

    /// The transpose (a copy).
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        storage.withUnsafeBufferPointer { src in
            t.storage.withUnsafeMutableBufferPointer { dst in
                // Blocked copy keeps both sides cache-friendly for large matrices.
                let b = 64
                var i0 = 0
                while i0 < rows {
                    let i1 = Swift.min(i0 + b, rows)
                    var j0 = 0
                    while j0 < columns {
                        let j1 = Swift.min(j0 + b, columns)
                        for i in i0..<i1 {
                            for j in j0..<j1 { dst[j * rows + i] = src[i * columns + j] }
                        }
                        j0 = j1
                    }
                    i0 = i1
                }
            }
        }
        return t
    }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, columns: columns,
               storage: Array(storage[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// The rows at `indices`, in that order.
    public func rows(at indices: [Int]) -> Matrix {
        var s = [Double]()
        s.reserveCapacity(indices.count * columns)
        for i in indices { s.append(contentsOf: storage[(i * columns)..<((i + 1) * columns)]) }
        return Matrix(rows: indices.count, columns: columns, storage: s)
    }

    /// Frobenius norm ‖A‖_F.
    public var frobeniusNorm: Double {
        var s = 0.0
        for v in storage { s += v * v }
        return s.squareRoot()
    }

    /// Largest absolute entry.
    public var maxAbs: Double { storage.reduce(0) { Swift.max($0, Swift.abs($1)) } }

    public var description: String {
        var lines = ["Matrix \(rows)×\(columns)"]
        for i in 0..<Swift.min(rows, 8) {
            let r = row(i).prefix(8).map { String(format: "%10.4g", $0) }.joined(separator: " ")
            lines.append(r + (columns > 8 ? " …" : ""))
        }
        if rows > 8 { lines.append("…") }
        return lines.joined(separator: "\n")
    }
}

