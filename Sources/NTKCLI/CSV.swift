import Foundation
import NTKCore

/// A bad-input error of the `ntk` and `ntk-mpi` tools: printed as one line on stderr, exit code 2
/// (by `printErr`, which shows control characters from a hostile name or header as `\xNN`).
public struct InputError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Plain numeric CSV (the parser is `NTKCore.MatrixCSV`, shared with the fuzz harness).
public enum CSV {
    /// Reads a numeric matrix, naming the file, line and column of any problem: a `.npy` file
    /// (float64 or float32, C order; 2-D, or 1-D read as a column) when the name ends in .npy,
    /// CSV otherwise. Non-finite values are rejected in both.
    public static func readMatrix(_ path: String) throws -> Matrix {
        do {
            if MatrixFileFormat.forPath(path) == .npy {
                var st = stat()
                if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
                    // float32 data is widened to float64: at most twice the file size.
                    try MemoryBudget.require(bytes: Int(st.st_size) * 2, for: "reading \(path) (\(Int(st.st_size)) bytes)")
                }
                return try nonEmpty(NPY.readMatrix(path), path)
            }
            return try MatrixCSV.read(path)
        } catch let e as InputError { throw e } catch { throw InputError("\(error)") }
    }

    /// An input with no rows or no columns is refused, as an empty CSV is.
    static func nonEmpty(_ m: Matrix, _ path: String) throws -> Matrix {
        guard m.rows >= 1, m.columns >= 1 else {
            throw InputError("\(path) is empty (\(m.rows)×\(m.columns)); expected at least one row and one column")
        }
        return m
    }

    /// A .npy output in float32 cannot hold |v| > 3.4e38: such a value is an error, not ±∞.
    public static func checkFitsFloat32(_ m: Matrix, what: String, path: String, type: NPYOutputType) throws {
        guard type == .float32, MatrixFileFormat.forPath(path) == .npy else { return }
        if let k = m.storage.firstIndex(where: { !Float($0).isFinite }) {
            throw InputError("\(what) is \(m.storage[k]) at row \(k / m.columns + 1) column \(k % m.columns + 1), beyond float32's range: use --npy-dtype float64")
        }
    }

    /// The matrix as CSV with full double precision (%.17g round-trips every Double).
    public static func format(_ m: Matrix) -> String { MatrixCSV.format(m) }

    /// Rejects an input row whose squared norm overflows (x·x = ∞ makes every kernel entry
    /// ∞ or NaN), naming the file and row.
    public static func checkNorms(_ m: Matrix, _ path: String) throws {
        for i in 0..<m.rows {
            var s = 0.0
            for j in 0..<m.columns { s += m[i, j] * m[i, j] }
            guard s.isFinite else {
                throw InputError("\(path) row \(i + 1): its squared norm x·x overflows to ∞; scale the inputs down (|x| must stay below about 1e154)")
            }
        }
    }
}
