import Foundation
import XCTest
@testable import NTKCore

final class TwoLayerReLUTests: XCTestCase {
    func unitRows(_ n: Int, _ d: Int, seed: UInt64) -> Matrix {
        var rng = SeededGenerator(seed: seed)
        var x = Gaussian.matrix(rows: n, columns: d, using: &rng)
        for i in 0..<n {
            let norm = BLAS.norm2(x.row(i))
            for k in 0..<d { x[i, k] /= norm }
        }
        return x
    }

    /// H(W) by its definition, one neuron at a time, against the BLAS form; and a wide network's
    /// H(0) against H∞ (the entries' sd at initialisation is ≤ ½/√m, so 6/√m is > 10 sd).
    func testGramIsTheDefinitionAndConvergesToHInfinity() {
        let x = unitRows(6, 4, seed: 3)
        var rng = SeededGenerator(seed: 4)
        let net = TwoLayerReLU(inputDimension: 4, width: 50, initScale: 1, using: &rng)
        let h = net.gram(x)
        for i in 0..<6 {
            for j in 0..<6 {
                var s = 0.0
                for r in 0..<50 {
                    var zi = 0.0, zj = 0.0
                    for k in 0..<4 { zi += net.weights[r, k] * x[i, k]; zj += net.weights[r, k] * x[j, k] }
                    if zi >= 0 && zj >= 0 { s += 1 }
                }
                var xx = 0.0
                for k in 0..<4 { xx += x[i, k] * x[j, k] }
                XCTAssertEqual(h[i, j], xx * s / 50, accuracy: Tolerance.exactAbs)
            }
        }
        let m = 40_000
        var rng2 = SeededGenerator(seed: 5)
        let wide = TwoLayerReLU(inputDimension: 4, width: m, initScale: 1, using: &rng2)
        let d = wide.gram(x) - AroraKernel.hInfinity(x)
        XCTAssertLessThan(d.storage.map(abs).max()!, 6 / Double(m).squareRoot())
    }

    /// Training in segments (as fig6 does between its drift checkpoints) gives the same losses,
    /// bit for bit, as one uninterrupted run, and the same weights, in both precisions (float32
    /// weights survive the round trip through float64 storage exactly).
    func testSegmentedTrainingEqualsOneRun() throws {
        let x = unitRows(30, 5, seed: 8)
        let y = (0..<30).map { Double($0 % 3) - 1 }
        var rng = SeededGenerator(seed: 9)
        let start = TwoLayerReLU(inputDimension: 5, width: 64, initScale: 1, antisymmetric: true, using: &rng)
        for precision in TrainingPrecision.allCases {
            var one = start, seg = start
            var a = [Double](), b = [Double]()
            try one.train(inputs: x, targets: y, steps: 30, learningRate: 0.5, precision: precision) { _, phi in a.append(phi) }
            var done = 0
            for stop in [10, 20, 30] {
                try seg.train(inputs: x, targets: y, steps: stop - done, learningRate: 0.5, precision: precision) { k, phi in
                    if k == 0 && done > 0 { return }
                    b.append(phi)
                }
                done = stop
            }
            XCTAssertEqual(a, b, "\(precision)")
            XCTAssertEqual(one.weights, seg.weights, "\(precision)")
            XCTAssertLessThan(a.last!, a.first!)
        }
    }

    /// fig6 trains in float32: the loss curve and the trained weights' move agree with float64
    /// training of the same network within float32 rounding (fig6's regime: unit-norm rows,
    /// antisymmetric init, η = 1/λmax(H∞)), over 100 steps, while the loss is still far above
    /// float32's floor (after ~300 steps it reaches 10⁻¹¹, where float32 cannot follow).
    /// Measured: loss within 8·10⁻⁶ relative, weights within 7·10⁻⁶ of their move.
    func testFloat32TrainingMatchesFloat64() throws {
        let x = unitRows(100, 20, seed: 11)
        let y = (0..<100).map { $0 % 2 == 0 ? 1.0 : -1.0 }
        var rng = SeededGenerator(seed: 12)
        let start = TwoLayerReLU(inputDimension: 20, width: 2000, initScale: 1, antisymmetric: true, using: &rng)
        let eta = 1 / (try AroraKernel.hInfinity(x).symmetricEigen().values.max()!)
        var a = start, b = start
        var la = [Double](), lb = [Double]()
        try a.train(inputs: x, targets: y, steps: 100, learningRate: eta) { _, phi in la.append(phi) }
        try b.train(inputs: x, targets: y, steps: 100, learningRate: eta, precision: .float32) { _, phi in lb.append(phi) }
        XCTAssertLessThan(la.last!, 1e-3 * la.first!, "training must move for the comparison to mean anything")
        let lossRel = zip(la, lb).map { abs($1 - $0) / $0 }.max()!
        XCTAssertLessThan(lossRel, Tolerance.float32LossRel)
        let move = (a.weights - start.weights).frobeniusNorm
        XCTAssertLessThan((b.weights - a.weights).frobeniusNorm / move, Tolerance.float32LossRel)
    }
}
