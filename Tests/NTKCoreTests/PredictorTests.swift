import Foundation
import XCTest
@testable import NTKCore

final class PredictorTests: XCTestCase {
    /// A small problem: analytic L=3 kernels on Gaussian inputs, random initial outputs.
    struct Problem {
        var xTrain, xTest, yTrain, f0Train, f0Test: Matrix
        var kernel: AnalyticKernel
        var kTT: Kernel { kernel(xTrain) }
        var kST: Kernel { kernel(xTest, xTrain) }
    }

    func problem(n: Int = 12, m: Int = 5, o: Int = 2) -> Problem {
        var rng = SeededGenerator(seed: 31)
        return Problem(xTrain: Gaussian.matrix(rows: n, columns: 3, using: &rng),
                       xTest: Gaussian.matrix(rows: m, columns: 3, using: &rng),
                       yTrain: Gaussian.matrix(rows: n, columns: o, using: &rng),
                       f0Train: Gaussian.matrix(rows: n, columns: o, using: &rng),
                       f0Test: Gaussian.matrix(rows: m, columns: o, using: &rng),
                       kernel: AnalyticKernel(depth: 3, beta: 0.1))
    }

    func testTimeZeroReturnsInitialOutputs() throws {
        let p = problem()
        let flow = try GradientFlow(kTrainTrain: p.kTT.ntk)
        for t in [FlowTime.time(0), .steps(0)] {
            assertCloseMatrices(try flow.predictTrain(at: t, fTrain0: p.f0Train, yTrain: p.yTrain), p.f0Train,
                                relative: Tolerance.predictorRel, "train at \(t)")
            assertCloseMatrices(try flow.predictTest(at: t, fTrain0: p.f0Train, yTrain: p.yTrain, fTest0: p.f0Test,
                                                     kTestTrain: p.kST.ntk), p.f0Test,
                                relative: Tolerance.predictorRel, "test at \(t)")
        }
    }

    /// t → ∞ equals the direct solve Θ(x,X)Θ⁻¹(Y − f0(X)) + f0(x), and KernelRegression (Cholesky)
    /// equals both for f0 = 0, with and without a ridge.
    func testInfiniteTimeEqualsDirectSolve() throws {
        let p = problem()
        let k = p.kTT.ntk, ks = p.kST.ntk
        for ridge in [0.0, 0.05] {
            var kr = k
            kr.addToDiagonal(ridge)
            let flow = try GradientFlow(kTrainTrain: k, diagReg: ridge)
            let direct = p.f0Test + Matrix.product(ks, try kr.solve(p.yTrain - p.f0Train))
            assertCloseMatrices(try flow.predictTest(at: .infinity, fTrain0: p.f0Train, yTrain: p.yTrain,
                                                     fTest0: p.f0Test, kTestTrain: ks),
                                direct, relative: Tolerance.predictorRel, "flow ∞, ridge \(ridge)")
            let zeros = Matrix(rows: p.f0Train.rows, columns: p.f0Train.columns)
            let zt = Matrix(rows: p.f0Test.rows, columns: p.f0Test.columns)
            let krr = try KernelRegression(kTrainTrain: k, yTrain: p.yTrain, ridge: ridge).predict(kTestTrain: ks)
            // Factorising the handed-over kernel in its own storage is the same computation.
            let handedOver = Matrix(rows: k.rows, columns: k.columns, storage: k.storage.map { $0 })   // its own buffer
            let consumed = try KernelRegression(consuming: handedOver, yTrain: p.yTrain, ridge: ridge).predict(kTestTrain: ks)
            XCTAssertEqual(consumed, krr, "consuming path, ridge \(ridge)")
            let viaFlow = try flow.predictTest(at: .infinity, fTrain0: zeros, yTrain: p.yTrain, fTest0: zt, kTestTrain: ks)
            assertCloseMatrices(krr, viaFlow, relative: Tolerance.predictorRel, "KRR vs flow, ridge \(ridge)")
            // A very late finite time approaches the limit.
            let late = try flow.predictTest(at: .time(1e9), fTrain0: zeros, yTrain: p.yTrain, fTest0: zt, kTestTrain: ks)
            assertCloseMatrices(late, viaFlow, relative: Tolerance.predictorRel, "t = 1e9")
        }
        // Ridgeless train predictions interpolate.
        let flow = try GradientFlow(kTrainTrain: k)
        assertCloseMatrices(try flow.predictTrain(at: .infinity, fTrain0: p.f0Train, yTrain: p.yTrain), p.yTrain,
                            relative: Tolerance.predictorRel, "interpolation")
    }

    /// A rank-deficient kernel (L = 1 on 10 circle points has rank 3) gives a clear error at t = ∞.
    func testNotPositiveDefiniteIsAClearError() throws {
        let x = circlePoints((0..<10).map { Double($0) * 0.6 })
        let k = AnalyticKernel(depth: 1, beta: 0)(x).ntk
        let y = Matrix(rows: 10, columns: 1, repeating: 1)
        var borrowed = -Double.infinity
        XCTAssertThrowsError(try KernelRegression(kTrainTrain: k, yTrain: y)) { error in
            guard case PredictionError.notPositiveDefinite(let lmin) = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("not positive definite"))
            borrowed = lmin
        }
        // The consuming path rebuilds the kernel that dpotrf half-overwrote: the same eigenvalue.
        XCTAssertThrowsError(try KernelRegression(consuming: Matrix(rows: 10, columns: 10, storage: k.storage.map { $0 }), yTrain: y)) { error in
            guard case PredictionError.notPositiveDefinite(let lmin) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(lmin, borrowed)
        }
        var shifted = k
        shifted.addToDiagonal(-1e-3)
        let flow = try GradientFlow(kTrainTrain: shifted)
        XCTAssertThrowsError(try flow.predictTrain(at: .infinity, fTrain0: y, yTrain: y))
        XCTAssertNoThrow(try KernelRegression(kTrainTrain: k, yTrain: y, ridge: 1e-3))
    }

    /// Claim 12: gradient descent on the linearised network equals the closed form (I − ηΘ/N)^k
    /// with its empirical NTK, on the train and test inputs.
    func testLinearizedGradientDescentMatchesClosedForm() throws {
        var rng = SeededGenerator(seed: 41)
        let x = Gaussian.matrix(rows: 8, columns: 3, using: &rng)
        let xt = Gaussian.matrix(rows: 4, columns: 3, using: &rng)
        let y = Gaussian.matrix(rows: 8, columns: 1, using: &rng)
        for act in [Activation.relu, .erf] {
            let net = MLP(inputDimension: 3, width: 40, depth: 3, outputs: 1, activation: act, seed: 5)
            var lin = LinearizedMLP(base: net)
            let steps = 25, lr = 1.0
            for _ in 0..<steps { lin.step(inputs: x, targets: y, learningRate: lr) }
            let flow = try GradientFlow(kTrainTrain: net.empiricalNTK(x), learningRate: lr)
            let train = try flow.predictTrain(at: .steps(steps), fTrain0: net(x), yTrain: y)
            let test = try flow.predictTest(at: .steps(steps), fTrain0: net(x), yTrain: y, fTest0: net(xt),
                                            kTestTrain: net.empiricalNTK(xt, x))
            assertCloseMatrices(lin(x), train, relative: Tolerance.linearizedRel, "\(act) train")
            assertCloseMatrices(lin(xt), test, relative: Tolerance.linearizedRel, "\(act) test")
            // The continuous-time formula at t = k is a different (wrong) answer here.
            let cont = try flow.predictTest(at: .time(Double(steps)), fTrain0: net(x), yTrain: y, fTest0: net(xt),
                                            kTestTrain: net.empiricalNTK(xt, x))
            XCTAssertGreaterThan(relativeFrobeniusError(cont, test), Tolerance.linearizedRel)
        }
    }

    /// NTK-GP covariance: at t = 0 it is K(x,x'); evaluated at the train inputs it equals
    /// e^{−At}K e^{−At}; it is symmetric.
    func testNTKGPCovarianceIdentities() throws {
        let p = problem()
        let ktt = p.kTT, kst = p.kST, kss = p.kernel(p.xTest)
        let flow = try GradientFlow(kTrainTrain: ktt.ntk)
        let c0 = try flow.covariance(at: .time(0), kTestTrain: kst.ntk, nngpTrainTrain: ktt.nngp,
                                     nngpTestTrain: kst.nngp, nngpTestTest: kss.nngp)
        assertCloseMatrices(c0, kss.nngp, relative: Tolerance.predictorRel, "t = 0")
        for t in [FlowTime.time(30), .steps(30), .infinity] {
            let onTrain = try flow.covariance(at: t, kTestTrain: ktt.ntk, nngpTrainTrain: ktt.nngp,
                                              nngpTestTrain: ktt.nngp, nngpTestTest: ktt.nngp)
            let direct = try flow.covarianceTrain(at: t, nngpTrainTrain: ktt.nngp)
            // At t = ∞ both are ~0 on the train set; compare on the scale of K.
            XCTAssertLessThan((onTrain - direct).maxAbs, Tolerance.predictorRel * 1e3 * ktt.nngp.maxAbs, "\(t)")
            let c = try flow.covariance(at: t, kTestTrain: kst.ntk, nngpTrainTrain: ktt.nngp,
                                        nngpTestTrain: kst.nngp, nngpTestTest: kss.nngp)
            XCTAssertLessThanOrEqual((c - c.transposed).maxAbs, Tolerance.predictorRel)
        }
    }
}

final class LinearizedClosedFormTests: XCTestCase {
    /// Source 003 eqs. 13–14 / Lee et al. eq. (10): the closed-form parameters of the linear model
    /// after k GD steps are what k calls of `step` reach, and its outputs are the function-space
    /// formula with the empirical NTK; the network at those parameters is a different function.
    func testClosedFormParametersMatchGradientDescentAndFunctionSpace() throws {
        var rng = SeededGenerator(seed: 43)
        let x = Gaussian.matrix(rows: 5, columns: 2, using: &rng)
        let xt = Gaussian.matrix(rows: 7, columns: 2, using: &rng)
        let y = Gaussian.matrix(rows: 5, columns: 1, using: &rng)
        let net = MLP(inputDimension: 2, width: 60, depth: 2, outputs: 1, seed: 9)
        let lr = 0.5, steps = 30
        var gd = LinearizedMLP(base: net)
        for _ in 0..<steps { gd.step(inputs: x, targets: y, learningRate: lr) }
        let flow = try GradientFlow(kTrainTrain: net.empiricalNTK(x), learningRate: lr)
        let closed = try LinearizedMLP.closedForm(base: net, inputs: x, targets: y, pass: net.forwardPass(x), flow: flow,
                                                  at: .steps(steps))
        let a = closed.displacement.flattened, b = gd.displacement.flattened
        var d = a
        BLAS.axpy(-1, b, &d)
        XCTAssertLessThan(BLAS.norm2(d) / BLAS.norm2(b), Tolerance.linearizedRel, "θ_k − θ0")
        let viaKernel = try flow.predictTest(at: .steps(steps), fTrain0: net(x), yTrain: y, fTest0: net(xt),
                                             kTestTrain: net.empiricalNTK(xt, x))
        assertCloseMatrices(closed(xt), viaKernel, relative: Tolerance.linearizedRel, "f_lin on test inputs")
        // At θ0 the "full model" is the network itself; after training it is not the linear model.
        assertCloseMatrices(LinearizedMLP(base: net).networkAtLinearParameters(xt), net(xt),
                            relative: Tolerance.float64Rel, "zero displacement")
        XCTAssertGreaterThan(relativeFrobeniusError(closed.networkAtLinearParameters(xt), closed(xt)), 1e-4)
    }
}

final class EnsembleStatisticsTests: XCTestCase {
    /// The null sd of the pooled variance ratio matches its Monte Carlo spread, and the coverage
    /// of ±k sd has the Gaussian mean erf(k/√2).
    func testGaussianLawNullDistributions() throws {
        let pts = (0..<12).map { Double($0) * 0.4 }
        let cov = Matrix(rows: 12, columns: 12) { i, j in exp(-pow(pts[i] - pts[j], 2)) * (1 + 0.1 * Double(i)) }
        let law = try GaussianLaw(covariance: Matrix(rows: 12, columns: 12) { i, j in (cov[i, j] + cov[j, i]) / 2 })
        var rng = SeededGenerator(seed: 5)
        let r = 20, trials = 3000
        var ratios = [Double]()
        for _ in 0..<trials {
            let d = law.draws(count: r, using: &rng)
            var s2 = 0.0
            for j in 0..<12 {
                let (_, sd) = meanAndSD((0..<r).map { d[$0, j] })
                s2 += sd * sd
            }
            ratios.append(s2 / law.covariance.trace)
        }
        let (m, sd) = meanAndSD(ratios)
        let expected = law.pooledVarianceRatioNullSD(replicates: r)
        XCTAssertEqual(m, 1, accuracy: 5 * sd / Double(trials).squareRoot(), "unbiased")
        // The sd of a sample sd of 3000 draws is ≈ sd/√6000; 5 of those.
        XCTAssertEqual(sd, expected, accuracy: 5 * expected / 6000.0.squareRoot(), "null sd")
        for k in [1.0, 2.0] {
            let c = law.coverageFraction(k: k, draws: 4000, using: &rng)
            XCTAssertEqual(c.mean, erf(k / 2.0.squareRoot()), accuracy: 5 * (c.variance / 4000).squareRoot(), "k = \(k)")
        }
    }

    func testLogLogSlopeWithStandardError() {
        let x = [10.0, 100, 1000]
        let exact = logLogSlopeWithSE(x, samples: x.map { w in [1, 1, 1].map { $0 * 3 / w.squareRoot() } })
        XCTAssertEqual(exact.slope, -0.5, accuracy: 1e-12)
        XCTAssertEqual(exact.standardError, 0, accuracy: 1e-12)
        // Log values spread by −0.1, 0, +0.1 in each group (sample sd 0.1, R = 3): the slope's
        // variance is Σ w_i²·0.01/3 with w = (−1, 0, 1)/(2 ln 10).
        let spread = logLogSlopeWithSE(x, samples: x.map { w in [exp(-0.1), 1, exp(0.1)].map { $0 / w } })
        XCTAssertEqual(spread.slope, -1, accuracy: 1e-12)
        let w = 1 / (2 * log(10.0))
        XCTAssertEqual(spread.standardError, (2 * w * w * 0.01 / 3).squareRoot(), accuracy: 1e-12)
    }

    /// Independent runs come back in index order, equal to a sequential loop, with OpenBLAS's
    /// thread count restored; the first error is rethrown.
    func testIndependentRunsOrderDeterminismAndErrors() throws {
        let before = BLAS.threadCount
        var rng = SeededGenerator(seed: 77)
        let x = Gaussian.matrix(rows: 4, columns: 3, using: &rng)
        let work: @Sendable (Int) -> [Double] = { i in
            var net = MLP(inputDimension: 3, width: 64, depth: 3, outputs: 1, seed: UInt64(i))
            _ = try? net.train(inputs: x, targets: Matrix(rows: 4, columns: 1, repeating: 1), steps: 5)
            return net(x).storage
        }
        let sequential = (0..<9).map(work)
        for workers in [1, 2, 4] {
            let parallel = try IndependentRuns.map(9, workers: workers) { work($0) }
            XCTAssertEqual(parallel, sequential, "workers \(workers)")
            XCTAssertEqual(BLAS.threadCount, before)
        }
        struct Boom: Error {}
        XCTAssertThrowsError(try IndependentRuns.map(6, workers: 2) { i -> Int in
            if i == 3 { throw Boom() }
            return i
        })
        XCTAssertEqual(BLAS.threadCount, before)
    }
}
