import XCTest
@testable import NTKCore

/// Tolerances of the linear-algebra tests.
enum LinearAlgebraTolerance {
    /// Relative residual of a well-conditioned float64 factorisation (n ≤ 200, κ ≲ 1e3):
    /// backward-stable algorithms give ~n·κ·ε ≈ 1e-11, the issue asks for 1e-10.
    static let relativeResidual = 1e-10
    /// Exact small-integer products are exact in float64.
    static let exact = 0.0
}

/// ‖A − B‖_F / max(‖B‖_F, 1e-300).
func relativeError(_ a: Matrix, _ b: Matrix) -> Double {
    (a - b).frobeniusNorm / max(b.frobeniusNorm, 1e-300)
}

/// A random symmetric positive-definite matrix B·Bᵀ/k + I (condition number ≲ 10).
func randomSPD(_ n: Int, seed: UInt64) -> Matrix {
    var rng = SeededGenerator(seed: seed)
    let b = Gaussian.matrix(rows: n, columns: n, using: &rng)
    var a = Matrix.gram(b, alpha: 1.0 / Double(n))
    a.addToDiagonal(1)
    return a
}

final class LinearAlgebraTests: XCTestCase {
    func testGemmHandChecked() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])          // 2×3
        let b = Matrix([[7, 8], [9, 10], [11, 12]])      // 3×2
        XCTAssertEqual(Matrix.product(a, b), Matrix([[58, 64], [139, 154]]))
        // Transposes: Aᵀ·A (3×3) and A·Bᵀ is invalid, B·A is 3×3.
        XCTAssertEqual(Matrix.product(a, a, transA: .transpose),
                       Matrix([[17, 22, 27], [22, 29, 36], [27, 36, 45]]))
        XCTAssertEqual(Matrix.product(b, a, transA: .transpose, transB: .transpose),
                       Matrix([[58, 139], [64, 154]]))
        // α and β accumulate.
        var c = Matrix([[1, 1], [1, 1]])
        Matrix.gemm(a, b, alpha: 2, beta: -1, into: &c)
        XCTAssertEqual(c, Matrix([[115, 127], [277, 307]]))
    }

    func testSyrkMatchesGemmAndIsSymmetric() {
        var rng = SeededGenerator(seed: 3)
        let a = Gaussian.matrix(rows: 37, columns: 19, using: &rng)
        let g = Matrix.gram(a, alpha: 0.5)
        let ref = Matrix.product(a, a, transB: .transpose, alpha: 0.5)
        XCTAssertLessThan(relativeError(g, ref), 1e-14)
        XCTAssertEqual(g, g.transposed, "syrk must fill both triangles")
        let gt = Matrix.gram(a, .transpose)
        XCTAssertLessThan(relativeError(gt, Matrix.product(a, a, transA: .transpose)), 1e-14)
    }

    func testGemvAxpyScal() {
        let a = Matrix([[1, 2], [3, 4], [5, 6]])
        XCTAssertEqual(a.times([1, -1]), [-1, -1, -1])
        XCTAssertEqual(a.times([1, 0, 1], .transpose), [6, 8])
        var m = Matrix([[1, 2], [3, 4]])
        m.axpy(2, Matrix([[1, 1], [1, 1]]))
        XCTAssertEqual(m, Matrix([[3, 4], [5, 6]]))
        m.scale(by: 0.5)
        XCTAssertEqual(m, Matrix([[1.5, 2], [2.5, 3]]))
        XCTAssertEqual(BLAS.dot([1, 2, 3], [4, 5, 6]), 32)
        XCTAssertEqual(BLAS.norm2([3, 4]), 5, accuracy: 1e-15)
    }

    func testTransposeLarge() {
        var rng = SeededGenerator(seed: 9)
        let a = Gaussian.matrix(rows: 131, columns: 77, using: &rng)
        let t = a.transposed
        XCTAssertEqual(t.rows, 77)
        for (i, j) in [(0, 0), (130, 76), (64, 12), (5, 70)] { XCTAssertEqual(t[j, i], a[i, j]) }
        XCTAssertEqual(t.transposed, a)
    }

    func testCholeskyHandChecked() throws {
        // A = L Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]] (classic example).
        let a = Matrix([[4, 12, -16], [12, 37, -43], [-16, -43, 98]])
        let ch = try Cholesky(a)
        XCTAssertEqual(ch.lower, Matrix([[2, 0, 0], [6, 1, 0], [-8, 5, 3]]))
        let x = try ch.solve([1, 2, 3])
        let r = a.times(x)
        for (ri, bi) in zip(r, [1.0, 2, 3]) { XCTAssertEqual(ri, bi, accuracy: 1e-12) }
        XCTAssertEqual(ch.logDeterminant, 2 * log(2.0 * 1 * 3), accuracy: 1e-13)
    }

    func testCholeskySolveResidualRandom() throws {
        let n = 150
        let a = randomSPD(n, seed: 11)
        var rng = SeededGenerator(seed: 12)
        let b = Gaussian.matrix(rows: n, columns: 7, using: &rng)
        let x = try Cholesky(a).solve(b)
        XCTAssertLessThan(relativeError(a * x, b), LinearAlgebraTolerance.relativeResidual)
    }

    func testNonPositiveDefiniteIsAnError() {
        // Leading 2×2 minor 1·1 − 2·2 < 0.
        let a = Matrix([[1, 2, 0], [2, 1, 0], [0, 0, 1]])
        XCTAssertThrowsError(try Cholesky(a)) { e in
            XCTAssertEqual(e as? LinearAlgebraError, .notPositiveDefinite(leadingMinor: 2))
            XCTAssertEqual("\(e)", "kernel matrix is not positive definite (leading minor 2)")
        }
        var nan = Matrix.identity(3); nan[1, 1] = .nan
        XCTAssertThrowsError(try Cholesky(nan)) { e in
            guard case .nonFinite = e as? LinearAlgebraError else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try Cholesky(Matrix(rows: 2, columns: 3)))
    }

    func testGeneralSolveAndInverse() throws {
        let a = Matrix([[0, 2, 1], [1, 1, 0], [3, 0, 1]])   // needs pivoting (a00 = 0)
        let inv = try a.inverse()
        XCTAssertLessThan(relativeError(a * inv, .identity(3)), LinearAlgebraTolerance.relativeResidual)
        var rng = SeededGenerator(seed: 5)
        let big = Gaussian.matrix(rows: 120, columns: 120, using: &rng)
        let b = Gaussian.matrix(rows: 120, columns: 3, using: &rng)
        let x = try big.solve(b)
        XCTAssertLessThan(relativeError(big * x, b), 1e-9)   // random Gaussian: κ up to ~1e3
        let singular = Matrix([[1, 2], [2, 4]])
        XCTAssertThrowsError(try singular.solve(.identity(2))) { e in
            guard case .singular = e as? LinearAlgebraError else { return XCTFail("\(e)") }
        }
    }

    func testSymmetricEigenHandChecked() throws {
        // [[2,1],[1,2]] has eigenvalues 1 and 3 with vectors (1,−1)/√2, (1,1)/√2.
        let e = try Matrix([[2, 1], [1, 2]]).symmetricEigen()
        XCTAssertEqual(e.values[0], 1, accuracy: 1e-14)
        XCTAssertEqual(e.values[1], 3, accuracy: 1e-14)
        XCTAssertEqual(abs(e.vectors[0, 1]), 1 / 2.0.squareRoot(), accuracy: 1e-14)
        XCTAssertEqual(e.vectors[0, 1] * e.vectors[1, 1], 0.5, accuracy: 1e-14)
        XCTAssertEqual(e.vectors[0, 0] * e.vectors[1, 0], -0.5, accuracy: 1e-14)
    }

    func testSymmetricEigenReconstructsAndSorts() throws {
        let n = 120
        let a = randomSPD(n, seed: 21)
        let e = try a.symmetricEigen()
        XCTAssertEqual(e.values, e.values.sorted(), "eigenvalues must be ascending")
        // V Λ Vᵀ = A and Vᵀ V = I.
        var vl = e.vectors
        for i in 0..<n { for j in 0..<n { vl[i, j] *= e.values[j] } }
        let recon = Matrix.product(vl, e.vectors, transB: .transpose)
        XCTAssertLessThan(relativeError(recon, a), LinearAlgebraTolerance.relativeResidual)
        XCTAssertLessThan(relativeError(Matrix.product(e.vectors, e.vectors, transA: .transpose), .identity(n)),
                          LinearAlgebraTolerance.relativeResidual)
        let w = try a.symmetricEigenvalues()
        for (x, y) in zip(w, e.values) { XCTAssertEqual(x, y, accuracy: 1e-12 * e.values.last!) }
    }

    func testTopEigenMatchesFullDecomposition() throws {
        let n = 90
        let a = randomSPD(n, seed: 31)
        let full = try a.symmetricEigen()
        let top = try a.topEigen(k: 4)
        XCTAssertEqual(top.values.count, 4)
        XCTAssertEqual(top.values, top.values.sorted(by: >), "top-k eigenvalues must be descending")
        for j in 0..<4 {
            XCTAssertEqual(top.values[j], full.values[n - 1 - j], accuracy: 1e-12 * full.values[n - 1])
            // A v = λ v.
            let v = top.vectors.column(j)
            let av = a.times(v)
            let res = zip(av, v).map { $0 - top.values[j] * $1 }
            XCTAssertLessThan(BLAS.norm2(res) / top.values[j], LinearAlgebraTolerance.relativeResidual)
        }
        XCTAssertThrowsError(try a.topEigen(k: 0))
        XCTAssertThrowsError(try a.topEigen(k: n + 1))
    }
}
