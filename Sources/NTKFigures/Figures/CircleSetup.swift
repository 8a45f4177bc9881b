import Foundation
import NTKCore

/// Inputs and the task shared by the unit-circle figures (docs/SPEC.md §1.5, §2a–§2c).
public enum CircleSetup {
    /// x(γ) = (cos γ, sin γ) for each γ, as an N×2 matrix.
    public static func points(_ gammas: [Double]) -> Matrix {
        Matrix(rows: gammas.count, columns: 2, storage: gammas.flatMap { [cos($0), sin($0)] })
    }

    /// `count` equally spaced angles covering [−π, π] (both ends included).
    public static func grid(_ count: Int) -> [Double] {
        (0..<count).map { -Double.pi + 2 * Double.pi * Double($0) / Double(count - 1) }
    }

    /// `count` distinct equally spaced angles around the circle, −π + 2πk/count (k = 0…count−1):
    /// no point appears twice (γ = −π and γ = π are the same input), so a Frobenius norm over
    /// them weighs the circle evenly.
    public static func periodicGrid(_ count: Int) -> [Double] {
        (0..<count).map { -Double.pi + 2 * Double.pi * Double($0) / Double(count) }
    }

    /// x0 = (1, 0), the fixed first argument of Θ(x0, ·) in Fig. 1.
    public static let x0 = Matrix([[1, 0]])

    /// The target f*(x) = x1·x2 of Figs. 1–3 [P].
    public static func target(_ x: Matrix) -> Matrix {
        Matrix(rows: x.rows, columns: 1, storage: (0..<x.rows).map { x[$0, 0] * x[$0, 1] })
    }

    /// [Prop] N training inputs drawn iid N(0, I₂) once from the figure's seed, shared by every
    /// network (the paper gives no N; docs/SPEC.md §2a).
    public static func gaussianTrainingSet(count: Int, seed: UInt64) -> (x: Matrix, y: Matrix) {
        var rng = SeededGenerator.stream(seed: seed, label: 0x7261_696E)   // "rain"
        let x = Gaussian.matrix(rows: count, columns: 2, using: &rng)
        return (x, target(x))
    }

    /// The seed of network `index` at width `width` inside a figure run with base seed `seed`:
    /// independent streams, stable when other widths or seeds are added.
    public static func networkSeed(base seed: UInt64, width: Int, index: Int) -> UInt64 {
        var sm = SplitMix64(seed: seed ^ (UInt64(width) << 20) ^ UInt64(index) &* 0x9E37_79B9)
        return sm.next()
    }
}
