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
        // The in-place factorisation reports the same errors.
        XCTAssertThrowsError(try Cholesky(consuming: Matrix([[1, 2, 0], [2, 1, 0], [0, 0, 1]]))) { e in
            XCTAssertEqual(e as? LinearAlgebraError, .notPositiveDefinite(leadingMinor: 2))
        }
        var offNaN = Matrix.identity(3); offNaN[0, 2] = .nan; offNaN[2, 0] = .nan
        XCTAssertThrowsError(try Cholesky(consuming: offNaN)) { e in
            guard case .nonFinite = e as? LinearAlgebraError else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try Cholesky(consuming: Matrix(rows: 2, columns: 3)))
    }

    /// LAPACKE's NaN scans are skipped (`_work` entry points), so the solves check their
    /// right-hand side themselves: a NaN or ∞ in B is a clear error, not a NaN answer.
    func testSolvesRefuseNonFiniteRightHandSides() throws {
        let a = randomSPD(20, seed: 14)
        for bad in [Double.nan, .infinity] {
            var b = Matrix(rows: 20, columns: 2, repeating: 1)
            b[7, 1] = bad
            XCTAssertThrowsError(try Cholesky(a).solve(b)) { e in
                XCTAssertEqual(e as? LinearAlgebraError, .nonFinite("right-hand side"))
            }
            XCTAssertThrowsError(try RFPCholesky(RFPMatrix(a)).solve(b)) { e in
                XCTAssertEqual(e as? LinearAlgebraError, .nonFinite("right-hand side"))
            }
        }
    }

    /// Factorising a handed-over matrix in its own storage gives the same factor, bit for bit.
    func testConsumingCholeskyEqualsCopyingOne() throws {
        let a = randomSPD(300, seed: 13)
        let copying = try Cholesky(a)
        let consuming = try Cholesky(consuming: Matrix(rows: 300, columns: 300, storage: a.storage.map { $0 }))
        XCTAssertEqual(consuming.lower, copying.lower)
        XCTAssertEqual(try Cholesky(consuming: a).lower, copying.lower, "a shared buffer is copied, not overwritten")
        XCTAssertEqual(a, randomSPD(300, seed: 13))
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

/// The blocked products of `Parallel`: every block lands in the right place (against a plain
/// triple loop, all transposes, α and β, float64 and float32), and the bytes do not depend on
/// the thread count.
final class BlockedProductTests: XCTestCase {
    private var saved: (workers: Int, block: (flops: Double, size: Int)) = (1, (0, 0))
    override func setUp() { saved = (Parallel.workerCount, Parallel.minimumBlock); Parallel.minimumBlock = (0, 3) }
    override func tearDown() { Parallel.workerCount = saved.workers; Parallel.minimumBlock = saved.block }

    /// Float64 rounding of a length-k dot product of O(1) terms: k·ε relative, with headroom.
    static let roundingTolerance = 1e-13

    /// op(M)[i, j] for a row-major rows×cols matrix.
    private func op(_ m: Matrix, _ t: Transpose, _ i: Int, _ j: Int) -> Double { t == .none ? m[i, j] : m[j, i] }

    func testGemmBlocksMatchTripleLoopForEveryTransposeAndThreadCount() {
        var rng = SeededGenerator(seed: 11)
        let (m, n, k) = (37, 29, 13)
        for (ta, tb) in [(Transpose.none, Transpose.none), (.transpose, .none), (.none, .transpose), (.transpose, .transpose)] {
            for (rows, cols) in [(m, n), (n, m)] {       // cut along rows, then along columns
                let a = ta == .none ? Gaussian.matrix(rows: rows, columns: k, using: &rng) : Gaussian.matrix(rows: k, columns: rows, using: &rng)
                let b = tb == .none ? Gaussian.matrix(rows: k, columns: cols, using: &rng) : Gaussian.matrix(rows: cols, columns: k, using: &rng)
                let c0 = Gaussian.matrix(rows: rows, columns: cols, using: &rng)
                var expected = c0
                for i in 0..<rows { for j in 0..<cols {
                    var s = 0.0
                    for l in 0..<k { s += op(a, ta, i, l) * op(b, tb, l, j) }
                    expected[i, j] = 1.5 * s - 0.5 * c0[i, j]
                } }
                var results = [Matrix]()
                for w in [1, 2, 3] {
                    Parallel.workerCount = w
                    var c = c0
                    Matrix.gemm(a, b, transA: ta, transB: tb, alpha: 1.5, beta: -0.5, into: &c)
                    results.append(c)
                }
                XCTAssertLessThan(relativeError(results[0], expected), Self.roundingTolerance, "\(ta) \(tb) \(rows)×\(cols)")
                XCTAssertEqual(results[1].storage, results[0].storage, "2 threads, \(ta) \(tb)")
                XCTAssertEqual(results[2].storage, results[0].storage, "3 threads, \(ta) \(tb)")
            }
        }
    }

    func testGemvSyrkAndFloatGemmBlocks() {
        var rng = SeededGenerator(seed: 12)
        let a = Gaussian.matrix(rows: 41, columns: 23, using: &rng)
        let x = Gaussian.sample(count: 23, using: &rng), xt = Gaussian.sample(count: 41, using: &rng)
        var gemvs = [[Double]](), syrks = [Matrix](), sgemms = [[Float]]()
        let af = a.storage.map(Float.init)
        for w in [1, 2, 3] {
            Parallel.workerCount = w
            gemvs.append(a.times(x) + a.times(xt, .transpose))
            syrks.append(Matrix.gram(a) )
            syrks.append(Matrix.gram(a, .transpose))
            var c = [Float](repeating: 0, count: 41 * 41)
            af.withUnsafeBufferPointer { p in
                c.withUnsafeMutableBufferPointer { pc in
                    Float.gemm(.none, .transpose, m: 41, n: 41, k: 23, alpha: 1, p.baseAddress!, lda: 23,
                               p.baseAddress!, ldb: 23, beta: 0, pc.baseAddress!, ldc: 41)
                }
            }
            sgemms.append(c)
        }
        // Against plain loops.
        for i in 0..<41 {
            var s = 0.0
            for j in 0..<23 { s += a[i, j] * x[j] }
            XCTAssertEqual(gemvs[0][i], s, accuracy: Self.roundingTolerance * 10)
        }
        for j in 0..<23 {
            var s = 0.0
            for i in 0..<41 { s += a[i, j] * xt[i] }
            XCTAssertEqual(gemvs[0][41 + j], s, accuracy: Self.roundingTolerance * 10)
        }
        let full = Matrix.product(a, a, transB: .transpose)
        XCTAssertLessThan(relativeError(syrks[0], full), Self.roundingTolerance)
        XCTAssertLessThan(relativeError(syrks[1], Matrix.product(a, a, transA: .transpose)), Self.roundingTolerance)
        XCTAssertEqual(gemvs[1], gemvs[0]); XCTAssertEqual(gemvs[2], gemvs[0])
        XCTAssertEqual(syrks[2].storage, syrks[0].storage); XCTAssertEqual(syrks[4].storage, syrks[0].storage)
        XCTAssertEqual(syrks[3].storage, syrks[1].storage); XCTAssertEqual(syrks[5].storage, syrks[1].storage)
        XCTAssertEqual(sgemms[1], sgemms[0]); XCTAssertEqual(sgemms[2], sgemms[0])
        for i in 0..<41 { for j in 0..<41 { XCTAssertEqual(Double(sgemms[0][i * 41 + j]), full[i, j], accuracy: 1e-4) } }
    }
}
