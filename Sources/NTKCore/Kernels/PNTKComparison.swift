import Foundation

/// How far the pNTK of Mohamadi, Bae & Sutherland (2023), Kronecker-multiplied by I_O, is from
/// the full empirical NTK on the same inputs (docs/SPEC.md §3.3).
///
/// `full` is the (N·O)×(N·O) kernel of `empiricalNTK(mode: .full)` (row i·O + a is output a of
/// input i) and `pntk` the N×N kernel Θ̂ = (1/O)·1ᵀΘ(x,x')1 of `mode: .pntk`. The difference
/// D = Θ − Θ̂ ⊗ I_O has two kinds of entries: those with equal outputs a = b ("diagonal
/// blocks", Θ_aa(x,x') − Θ̂(x,x')) and those with a ≠ b ("off-diagonal blocks", Θ_ab(x,x'),
/// which Θ̂ ⊗ I sets to 0).
public struct PNTKComparison: Sendable, Equatable {
    /// ‖Θ − Θ̂⊗I‖_F / ‖Θ‖_F.
    public var relativeFrobeniusError: Double
    /// Root mean square of D over the entries with equal outputs (N²·O entries).
    public var differenceDiagonalRMS: Double
    /// Root mean square of D = Θ over the entries with different outputs (N²·O·(O−1) entries).
    public var differenceOffDiagonalRMS: Double
    /// Root mean square of Θ itself over the entries with equal outputs (the kernel's scale).
    public var kernelDiagonalRMS: Double
    /// λmax(Θ) and λmax(Θ̂) (= λmax(Θ̂ ⊗ I)).
    public var lambdaMaxFull: Double
    public var lambdaMaxPNTK: Double
    /// ‖D‖₂, the spectral norm of the difference: Weyl's inequality bounds
    /// |λmax(Θ) − λmax(Θ̂⊗I)| by it (the talk's "triangle inequality" argument).
    public var differenceSpectralNorm: Double
    /// λmin(Θ̂), the scale below which ridgeless regression amplifies kernel errors.
    public var lambdaMinPNTK: Double

    /// |λmax(Θ) − λmax(Θ̂)| / λmax(Θ).
    public var relativeLambdaMaxError: Double { abs(lambdaMaxFull - lambdaMaxPNTK) / lambdaMaxFull }

    /// Compares the two kernels (two symmetric eigenproblems of order N·O and one of order N).
    ///
    /// - Precondition: `full` is (N·O)×(N·O) and `pntk` is N×N, both symmetric.
    public init(full: Matrix, pntk: Matrix, outputs o: Int) throws {
        let n = pntk.rows
        precondition(o >= 1 && pntk.isSquare && full.rows == n * o && full.columns == n * o,
                     "full kernel \(full.rows)×\(full.columns) does not match pNTK \(n)×\(n) with \(o) outputs")
        let difference = full - PNTKComparison.kroneckerIdentity(pntk, outputs: o)
        var sumDiag = 0.0, sumOff = 0.0, sumKernelDiag = 0.0
        for r in 0..<(n * o) {
            for c in 0..<(n * o) {
                let d = difference[r, c]
                if r % o == c % o {
                    sumDiag += d * d
                    sumKernelDiag += full[r, c] * full[r, c]
                } else {
                    sumOff += d * d
                }
            }
        }
        let diagCount = Double(n * n * o), offCount = Double(n * n * o * (o - 1))
        relativeFrobeniusError = difference.frobeniusNorm / full.frobeniusNorm
        differenceDiagonalRMS = (sumDiag / diagCount).squareRoot()
        differenceOffDiagonalRMS = offCount > 0 ? (sumOff / offCount).squareRoot() : 0
        kernelDiagonalRMS = (sumKernelDiag / diagCount).squareRoot()
        lambdaMaxFull = try full.topEigen(k: 1).values[0]
        let pntkEigenvalues = try pntk.symmetricEigenvalues()
        lambdaMaxPNTK = pntkEigenvalues.last!
        lambdaMinPNTK = pntkEigenvalues.first!
        let differenceEigenvalues = try difference.symmetricEigenvalues()
        differenceSpectralNorm = max(abs(differenceEigenvalues.first!), abs(differenceEigenvalues.last!))
    }

    /// Θ̂ ⊗ I_O in the row order of the full kernel: entry (i·O + a, j·O + b) is Θ̂(i, j)·[a = b].
    /// Works for rectangular (test × train) kernels too.
    public static func kroneckerIdentity(_ pntk: Matrix, outputs o: Int) -> Matrix {
        var k = Matrix(rows: pntk.rows * o, columns: pntk.columns * o)
        for i in 0..<pntk.rows {
            for j in 0..<pntk.columns {
                let v = pntk[i, j]
                for a in 0..<o { k[i * o + a, j * o + a] = v }
            }
        }
        return k
    }
}
