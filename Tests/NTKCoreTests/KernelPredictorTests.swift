import Foundation
import XCTest
@testable import NTKCore

/// `KernelPredictor` (what `ntk predict` runs) against an independent dense computation:
/// LU solves (dgesv) instead of Cholesky, and e^{−A} by scaling and squaring of its Taylor
/// series instead of the eigendecomposition.
final class KernelPredictorTests: XCTestCase {
    struct Problem {
        let x: Matrix, y: Matrix, xt: Matrix
        let kernel: AnalyticKernel
        var train: Kernel { kernel(x) }
        var testTrain: Kernel { kernel(xt, x) }
        var testTest: Kernel { kernel(xt) }
    }

    func problem(n: Int = 15, m: Int = 6, o: Int = 2, seed: UInt64 = 1) -> Problem {
        var rng = SeededGenerator(seed: seed)
        return Problem(x: Gaussian.matrix(rows: n, columns: 4, using: &rng),
                       y: Gaussian.matrix(rows: n, columns: o, using: &rng),
                       xt: Gaussian.matrix(rows: m, columns: 4, using: &rng),
                       kernel: AnalyticKernel(depth: 3, activation: .relu, weightStd: 1.3, biasStd: 0.2))
    }

    /// e^{a} for a symmetric matrix: Taylor series of a/2^s (‖a/2^s‖ ≤ 1/2), squared s times.
    func expm(_ a: Matrix) -> Matrix {
        let norm = a.frobeniusNorm
        var s = 0
        while norm / Foundation.pow(2, Double(s)) > 0.5 { s += 1 }
        let b = Foundation.pow(2, -Double(s)) * a
        var term = Matrix.identity(a.rows), sum = Matrix.identity(a.rows)
        for k in 1...30 {
            term = (1 / Double(k)) * Matrix.product(term, b)
            sum = sum + term
        }
        for _ in 0..<s { sum = Matrix.product(sum, sum) }
        return sum
    }

    /// The prediction written out densely. rate = a (η/N, η or η/(N·O)); ridge absolute.
    func reference(_ p: Problem, mode: PredictorKernel, t: Double, rate: Double, ridge: Double) throws -> (Matrix, Matrix) {
        let ktr = p.train, ktd = p.testTrain, ktt = p.testTest
        var g = mode == .ntk ? ktr.ntk : ktr.nngp
        g.addToDiagonal(ridge)
        let gtd = mode == .ntk ? ktd.ntk : ktd.nngp
        let n = g.rows
        let gInv = try g.inverse()
        // I − e^{−aGt} (identity at t = ∞).
        let decay = t == .infinity ? Matrix.identity(n) : Matrix.identity(n) - expm(-(rate * t) * g)
        let m = Matrix.product(Matrix.product(gtd, gInv), decay)          // M = G*X G⁻¹(I − e)
        let mean = Matrix.product(m, p.y)
        let cov: Matrix
        switch mode {
        case .ntk:
            let k = ktr.nngp
            let cross = Matrix.product(m, ktd.nngp, transB: .transpose)
            cov = ktt.nngp + Matrix.product(Matrix.product(m, k), m, transB: .transpose) - cross - cross.transposed
        case .nngp:
            let d2 = t == .infinity ? Matrix.identity(n) : Matrix.identity(n) - expm(-(2 * rate * t) * g)
            cov = ktt.nngp - Matrix.product(Matrix.product(Matrix.product(gtd, gInv), d2), gtd, transB: .transpose)
        }
        return (mean, cov)
    }

    func testAgainstIndependentDenseComputation() throws {
        let p = problem()
        let n = Double(p.x.rows), o = Double(p.y.columns)
        for mode in PredictorKernel.allCases {
            for t in [0.7, 25.0, Double.infinity] {
                for (loss, perOutput, rate) in [(LossNormalization.mean, false, 0.5 / n), (.sum, false, 0.5), (.mean, true, 0.5 / (n * o))] {
                    for reg in [0.0, 0.01] {
                        let pr = KernelPredictor(kernel: p.kernel, mode: mode, time: t, learningRate: 0.5, loss: loss,
                                                 perOutput: perOutput, diagReg: reg, blockRows: 4, tile: 4)
                        let r = try pr.predict(xTrain: p.x, yTrain: p.y, xTest: p.xt, covariance: true)
                        let g = mode == .ntk ? p.train.ntk : p.train.nngp
                        let ridge = reg * g.trace / n
                        XCTAssertEqual(r.ridge, ridge, accuracy: 1e-15 * Swift.max(1, ridge))
                        let (mean, cov) = try reference(p, mode: mode, t: t, rate: rate, ridge: ridge)
                        let what = "\(mode) t=\(t) \(loss) perOutput=\(perOutput) reg=\(reg)"
                        assertCloseMatrices(r.mean, mean, relative: 1e-9, what + " mean")
                        // The covariance is a difference of O(1) terms: compare against the prior scale.
                        let scale = p.testTest.nngp.frobeniusNorm
                        XCTAssertLessThan((r.covariance! - cov).frobeniusNorm / scale, 1e-9, what + " cov")
                        XCTAssertEqual(r.method, t == .infinity ? "cholesky-rfp" : "eigendecomposition")
                    }
                }
            }
        }
    }

    /// The RFP (t = ∞) path and a dense Cholesky (KernelRegression, dpotrf) give the same
    /// predictions to 1e−10 relative, for odd and even N and a tile size that splits both.
    func testPackedPathEqualsDenseKernelRegression() throws {
        for n in [37, 38] {
            let p = problem(n: n, m: 9, o: 3, seed: UInt64(n))
            let r = try KernelPredictor(kernel: p.kernel, blockRows: 4, tile: 8)
                .predict(xTrain: p.x, yTrain: p.y, xTest: p.xt, covariance: false)
            let dense = try KernelRegression(kTrainTrain: p.train.ntk, yTrain: p.y).predict(kTestTrain: p.testTrain.ntk)
            assertCloseMatrices(r.mean, dense, relative: 1e-10, "n = \(n)")
        }
    }

    /// `packed: false` (dense dpotrf, what `--solver dense` runs) gives the packed path's mean
    /// and covariance to 1e−10, NTK and NNGP, with a ridge, and the same jitter on a singular kernel.
    func testPackedEqualsDenseSolverWithCovariance() throws {
        for n in [21, 22] {
            let p = problem(n: n, m: 7, o: 2, seed: UInt64(100 + n))
            for mode in PredictorKernel.allCases {
                let a = try KernelPredictor(kernel: p.kernel, mode: mode, diagReg: 1e-3, blockRows: 3, tile: 5)
                    .predict(xTrain: p.x, yTrain: p.y, xTest: p.xt, covariance: true)
                let b = try KernelPredictor(kernel: p.kernel, mode: mode, diagReg: 1e-3, packed: false)
                    .predict(xTrain: p.x, yTrain: p.y, xTest: p.xt, covariance: true)
                XCTAssertEqual(b.method, "cholesky-dense")
                assertCloseMatrices(a.mean, b.mean, relative: 1e-10, "\(mode) n=\(n) mean")
                XCTAssertLessThan((a.covariance! - b.covariance!).frobeniusNorm / p.testTest.nngp.frobeniusNorm, 1e-10, "\(mode) cov")
            }
        }
        let p = problem()
        let lin = AnalyticKernel(depth: 2, activation: .identity)     // rank d + 1 < N: singular
        let a = try KernelPredictor(kernel: lin, jitter: JitterSchedule()).predict(xTrain: p.x, yTrain: p.y, xTest: p.xt, covariance: false)
        let b = try KernelPredictor(kernel: lin, jitter: JitterSchedule(), packed: false).predict(xTrain: p.x, yTrain: p.y, xTest: p.xt, covariance: false)
        XCTAssertGreaterThan(a.jitter, 0)
        XCTAssertEqual(a.jitter, b.jitter)
        XCTAssertThrowsError(try KernelPredictor(kernel: lin, packed: false).predict(xTrain: p.x, yTrain: p.y, xTest: p.xt, covariance: false))
    }

    /// t = ∞ is the limit of large finite t (eigendecomposition vs Cholesky).
    func testInfiniteTimeIsTheLimitOfLargeTime() throws {
        let p = problem()
        for mode in PredictorKernel.allCases {
            let inf = try KernelPredictor(kernel: p.kernel, mode: mode).predict(xTrain: p.x, yTrain: p.y, xTest: p.xt, covariance: true)
            let lmin = try (mode == .ntk ? p.train.ntk : p.train.nngp).symmetricEigenvalues()[0]
            let t = 60 * Double(p.x.rows) / lmin       // e^{−λmin t/N} = e^{−60}
            let big = try KernelPredictor(kernel: p.kernel, mode: mode, time: t).predict(xTrain: p.x, yTrain: p.y, xTest: p.xt, covariance: true)
            assertCloseMatrices(big.mean, inf.mean, relative: 1e-7, "\(mode) mean")
            XCTAssertLessThan((big.covariance! - inf.covariance!).frobeniusNorm / p.testTest.nngp.frobeniusNorm, 1e-7, "\(mode) cov")
        }
    }

    /// Mean-loss time t is sum-loss time t/N, and neural-tangents' normalisation is t/O of ours.
    func testLossNormalisationScalesTime() throws {
        let p = problem()
        let n = Double(p.x.rows), o = Double(p.y.columns)
        for mode in PredictorKernel.allCases {
            func run(_ t: Double, _ loss: LossNormalization, _ perOutput: Bool = false) throws -> KernelPredictor.Result {
                try KernelPredictor(kernel: p.kernel, mode: mode, time: t, loss: loss, perOutput: perOutput)
                    .predict(xTrain: p.x, yTrain: p.y, xTest: p.xt, covariance: true)
            }
            let mean = try run(30, .mean), sum = try run(30 / n, .sum), nt = try run(30 * o, .mean, true)
            assertCloseMatrices(sum.mean, mean.mean, relative: 1e-12, "\(mode) sum")
            assertCloseMatrices(nt.mean, mean.mean, relative: 1e-12, "\(mode) nt")
            assertCloseMatrices(sum.covariance!, mean.covariance!, relative: 1e-10, "\(mode) sum cov")
            // And a different time really differs.
            let other = try run(60, .mean)
            XCTAssertGreaterThan(relativeFrobeniusError(other.mean, mean.mean), 1e-3)
        }
    }

    func testShapeMismatchAndNotPositiveDefinite() throws {
        let p = problem()
        let pr = KernelPredictor(kernel: p.kernel)
        XCTAssertThrowsError(try pr.predict(xTrain: p.x, yTrain: p.y.rows(0..<3), xTest: p.xt, covariance: false))
        XCTAssertThrowsError(try pr.predict(xTrain: p.x, yTrain: p.y, xTest: Matrix(rows: 2, columns: 3), covariance: false))
        var x = p.x
        for c in 0..<x.columns { x[5, c] = x[2, c] }
        XCTAssertThrowsError(try pr.predict(xTrain: x, yTrain: p.y, xTest: p.xt, covariance: false)) { e in
            guard case RFPError.notPositiveDefinite = e else { return XCTFail("\(e)") }
        }
        var jittered = pr
        jittered.jitter = JitterSchedule()
        let r = try jittered.predict(xTrain: x, yTrain: p.y, xTest: p.xt, covariance: false)
        XCTAssertGreaterThan(r.jitter, 0)
        XCTAssertTrue(r.mean.storage.allSatisfy(\.isFinite))
        // A ridge makes it positive definite without jitter.
        var ridged = pr
        ridged.diagReg = 1e-6
        XCTAssertEqual(try ridged.predict(xTrain: x, yTrain: p.y, xTest: p.xt, covariance: false).jitter, 0)
    }
}
