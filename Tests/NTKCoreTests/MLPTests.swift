import Foundation
import XCTest
@testable import NTKCore

final class MLPTests: XCTestCase {
    /// A small ReLU network used by several tests.
    func smallNet(_ act: Activation = .relu, outputs: Int = 2, param: Parametrization = .paper) -> MLP {
        var rng = SeededGenerator(seed: 11)
        return MLP(widths: [3, 7, 5, outputs], activation: act, beta: 0.1, parametrization: param, using: &rng)
    }

    func inputs(_ n: Int, _ d: Int, seed: UInt64 = 5) -> Matrix {
        var rng = SeededGenerator(seed: seed)
        return Gaussian.matrix(rows: n, columns: d, using: &rng)
    }

    /// The batched gemm forward pass equals the scalar definition of docs/SPEC.md §1.1.
    func testForwardMatchesScalarDefinition() {
        for act in Activation.allCases {
            for param in Parametrization.allCases {
                let net = smallNet(act, param: param)
                let x = inputs(4, 3)
                let f = net(x)
                let w2 = param.weightVariance(beta: net.beta)
                for i in 0..<x.rows {
                    var a = x.row(i)
                    for l in 0..<net.depth {
                        var z = [Double](repeating: 0, count: net.widths[l + 1])
                        for k in 0..<z.count {
                            var s = 0.0
                            for m in 0..<a.count { s += net.weights[l][k, m] * a[m] }
                            z[k] = (w2 / Double(a.count)).squareRoot() * s + net.beta * net.biases[l][k]
                        }
                        a = l + 1 < net.depth ? z.map { act($0) } : z
                    }
                    for k in 0..<a.count {
                        XCTAssertEqual(f[i, k], a[k], accuracy: Tolerance.float64Rel * max(1, abs(a[k])), "\(act) \(param)")
                    }
                }
            }
        }
    }

    func testParameterCountAndSeededDrawOrder() {
        let net = smallNet()
        XCTAssertEqual(net.parameterCount, (3 + 1) * 7 + (7 + 1) * 5 + (5 + 1) * 2)
        XCTAssertEqual(net.flatParameters.count, net.parameterCount)
        var rng = SeededGenerator(seed: 11)
        let draws = Gaussian.sample(count: 3 * 7, using: &rng)
        XCTAssertEqual(Array(net.weights[0].storage), draws, "W(0) is the first draw, row-major")
        let again = smallNet()
        XCTAssertEqual(again.flatParameters, net.flatParameters, "same seed, same network")
        let other = MLP(inputDimension: 3, width: 7, depth: 3, outputs: 2, seed: 12)
        XCTAssertNotEqual(other.flatParameters, net.flatParameters)
    }

    /// ∇θ of a scalar functional gᵀf by backprop equals central finite differences.
    func testVJPMatchesFiniteDifferences() {
        for act in [Activation.erf, .relu, .identity] {
            let net = smallNet(act)
            let x = inputs(3, 3)
            var rng = SeededGenerator(seed: 9)
            let g = Gaussian.matrix(rows: 3, columns: 2, using: &rng)
            let grad = net.vjp(net.forwardPass(x), cotangent: g).flattened
            func objective(_ p: [Double]) -> Double {
                let m = rebuilt(net, p)
                let f = m(x)
                var s = 0.0
                for k in 0..<f.storage.count { s += f.storage[k] * g.storage[k] }
                return s
            }
            let p0 = net.flatParameters
            let h = 1e-6
            var fd = [Double](repeating: 0, count: p0.count)
            for k in 0..<p0.count {
                var pp = p0, pm = p0
                pp[k] += h; pm[k] -= h
                fd[k] = (objective(pp) - objective(pm)) / (2 * h)
            }
            let diff = zip(grad, fd).map { $0 - $1 }
            let rel = BLAS.norm2(diff) / BLAS.norm2(fd)
            XCTAssertLessThan(rel, Tolerance.finiteDifferenceRel, "\(act): backprop vs finite differences")
        }
    }

    /// J·v by forward mode equals the directional finite difference.
    func testJVPMatchesFiniteDifferences() {
        let net = smallNet(.erf)
        let x = inputs(3, 3)
        var v = ParameterVector(zerosLike: net)
        var rng = SeededGenerator(seed: 3)
        for l in 0..<net.depth {
            v.weights[l] = Gaussian.matrix(rows: v.weights[l].rows, columns: v.weights[l].columns, using: &rng)
            v.biases[l] = Gaussian.sample(count: v.biases[l].count, using: &rng)
        }
        let jv = net.jvp(net.forwardPass(x), tangent: v)
        let h = 1e-6
        var plus = ParameterVector(weights: net.weights, biases: net.biases), minus = plus
        plus.axpy(h, v); minus.axpy(-h, v)
        let fp = rebuilt(net, plus.flattened)(x), fm = rebuilt(net, minus.flattened)(x)
        var fd = fp - fm
        fd.scale(by: 1 / (2 * h))
        XCTAssertLessThan(relativeFrobeniusError(jv, fd), Tolerance.finiteDifferenceRel)
    }

    /// One `train` step equals θ − η·∇C with ∇C = vjp((f − y)/N), and the reported loss is C.
    func testTrainingStepIsGradientOfPaperCost() throws {
        var net = smallNet()
        let x = inputs(6, 3)
        var rng = SeededGenerator(seed: 4)
        let y = Gaussian.matrix(rows: 6, columns: 2, using: &rng)
        let pass = net.forwardPass(x)
        var r = pass.outputs - y
        let c0 = r.storage.reduce(0) { $0 + $1 * $1 } / (2 * 6)
        r.scale(by: 1.0 / 6)
        let grad = net.vjp(pass, cotangent: r)
        var expected = ParameterVector(weights: net.weights, biases: net.biases)
        expected.axpy(-0.5, grad)
        let report = try net.train(inputs: x, targets: y, steps: 1, learningRate: 0.5)
        XCTAssertEqual(report.losses[0], c0, accuracy: Tolerance.float64Rel * c0)
        XCTAssertEqual(report.stepsTaken, 1)
        let got = ParameterVector(weights: net.weights, biases: net.biases).flattened
        let diff = zip(got, expected.flattened).map { $0 - $1 }
        XCTAssertLessThan(BLAS.norm2(diff) / BLAS.norm2(expected.flattened), Tolerance.float64Rel)
    }

    func testTrainingReducesLossAndCallbackCanStop() throws {
        var net = MLP(inputDimension: 2, width: 200, depth: 4, outputs: 1, seed: 1)
        var rng = SeededGenerator(seed: 2)
        let x = Gaussian.matrix(rows: 20, columns: 2, using: &rng)
        let y = Matrix(rows: 20, columns: 1) { i, _ in x[i, 0] * x[i, 1] }
        var seen = [Int]()
        let report = try net.train(inputs: x, targets: y, steps: 50) { p, _ in
            seen.append(p.step)
            XCTAssertEqual(p.time, Double(p.step))
            return .proceed
        }
        XCTAssertEqual(seen, Array(0...50))
        XCTAssertLessThan(report.losses[50], 0.5 * report.losses[0], "50 steps at lr 1 reduce the loss")
        var net2 = MLP(inputDimension: 2, width: 50, depth: 2, outputs: 1, seed: 1)
        let r2 = try net2.train(inputs: x, targets: y, steps: 100) { p, _ in p.step == 7 ? .stop : .proceed }
        XCTAssertTrue(r2.stoppedByCallback)
        XCTAssertEqual(r2.stepsTaken, 7)
        XCTAssertEqual(r2.losses.count, 8)
    }

    /// Float32 training (what Figs. 1 and 2 use) follows float64 training: one step agrees to
    /// float32 rounding, and after the 200 steps of Fig. 1 the trained kernel differs by a small
    /// fraction of the change training makes to it.
    func testFloat32TrainingMatchesFloat64() throws {
        var rng = SeededGenerator(seed: 2)
        let x = Gaussian.matrix(rows: 50, columns: 2, using: &rng)
        let y = Matrix(rows: 50, columns: 1) { i, _ in x[i, 0] * x[i, 1] }
        let net0 = MLP(inputDimension: 2, width: 1000, depth: 4, outputs: 1, seed: 1)
        // One step: parameters agree to float32 rounding accumulated over sums of ~10³ terms.
        var one64 = net0, one32 = net0
        try one64.train(inputs: x, targets: y, steps: 1)
        try one32.train(inputs: x, targets: y, steps: 1, precision: .float32)
        let p64 = one64.flatParameters, p32 = one32.flatParameters
        XCTAssertLessThan(BLAS.norm2(zip(p64, p32).map { $0 - $1 }) / BLAS.norm2(p64), Tolerance.float32StepRel)
        // Fig. 1's run: 200 steps at lr 1 on f* = x1·x2.
        var a = net0, b = net0
        let ra = try a.train(inputs: x, targets: y, steps: 200)
        let rb = try b.train(inputs: x, targets: y, steps: 200, precision: .float32)
        XCTAssertEqual(rb.stepsTaken, 200)
        let lossRel = zip(ra.losses, rb.losses).map { abs($1 - $0) / $0 }.max()!
        XCTAssertLessThan(lossRel, Tolerance.float32LossRel)
        let x0 = Matrix([[1.0, 0.0]])
        let grid = Matrix((0..<41).map { k in [cos(Double(k) * 0.157), sin(Double(k) * 0.157)] })
        let k0 = net0.empiricalNTK(x0, grid), k64 = a.empiricalNTK(x0, grid), k32 = b.empiricalNTK(x0, grid)
        let drift = (k64 - k0).frobeniusNorm
        XCTAssertGreaterThan(drift, 0.01, "training must move the kernel for the comparison to mean anything")
        XCTAssertLessThan((k32 - k64).frobeniusNorm / drift, Tolerance.float32KernelDriftFraction)
    }

    func testDivergenceThrowsAndNamesTheStep() {
        var net = MLP(inputDimension: 2, width: 50, depth: 3, outputs: 1, seed: 1)
        var rng = SeededGenerator(seed: 2)
        let x = Gaussian.matrix(rows: 10, columns: 2, using: &rng)
        let y = Matrix(rows: 10, columns: 1, repeating: 1)
        XCTAssertThrowsError(try net.train(inputs: x, targets: y, steps: 500, learningRate: 1e3)) { error in
            guard case TrainingError.diverged(let step, let loss) = error else {
                return XCTFail("expected divergence, got \(error)")
            }
            XCTAssertGreaterThan(step, 0)
            XCTAssertFalse(loss.isFinite)
            XCTAssertTrue("\(error)".contains("step \(step)"))
        }
    }

    /// A copy of `net` with the flat parameter vector `p`.
    func rebuilt(_ net: MLP, _ p: [Double]) -> MLP {
        var w = [Matrix](), b = [[Double]]()
        var o = 0
        for l in 0..<net.depth {
            let r = net.widths[l + 1], c = net.widths[l]
            w.append(Matrix(rows: r, columns: c, storage: Array(p[o..<(o + r * c)]))); o += r * c
            b.append(Array(p[o..<(o + r)])); o += r
        }
        return MLP(widths: net.widths, weights: w, biases: b, activation: net.activation, beta: net.beta,
                   parametrization: net.parametrization)
    }
}
