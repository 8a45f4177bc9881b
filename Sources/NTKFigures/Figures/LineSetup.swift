import Foundation
import NTKCore

/// The 1-D regression toys of Figs. 8 and 9 (source 003's working example, docs/SPEC.md §2h–§2i):
/// a scalar x enters the network as the 2-vector (x, 1), the blog's way of giving the first
/// layer a bias, so that Θ(x, x') is the R² kernel of its Fig. 6 along the line x₂ = 1.
public enum LineSetup {
    /// The rows (x, 1) for each x, as an N×2 matrix.
    public static func inputs(_ xs: [Double]) -> Matrix {
        Matrix(rows: xs.count, columns: 2, storage: xs.flatMap { [$0, 1] })
    }

    /// Targets as an N×1 matrix.
    public static func targets(_ ys: [Double]) -> Matrix {
        Matrix(rows: ys.count, columns: 1, storage: ys)
    }

    /// `count` equally spaced points covering `range` (both ends included).
    public static func grid(_ range: ClosedRange<Double>, count: Int) -> [Double] {
        (0..<count).map { range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / Double(count - 1) }
    }
}
