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
    /// bit for bit, as one uninterrupted run, and the same weights.
    func testSegmentedTrainingEqualsOneRun() throws {
        let x = unitRows(30, 5, seed: 8)
        let y = (0..<30).map { Double($0 % 3) - 1 }
        var rng = SeededGenerator(seed: 9)
        let start = TwoLayerReLU(inputDimension: 5, width: 64, initScale: 1, antisymmetric: true, using: &rng)
        var one = start, seg = start
        var a = [Double](), b = [Double]()
        try one.train(inputs: x, targets: y, steps: 30, learningRate: 0.5) { _, phi in a.append(phi) }
        var done = 0
        for stop in [10, 20, 30] {
            try seg.train(inputs: x, targets: y, steps: stop - done, learningRate: 0.5) { k, phi in
                if k == 0 && done > 0 { return }
                b.append(phi)
            }
            done = stop
        }
        XCTAssertEqual(a, b)
        XCTAssertEqual(one.weights, seg.weights)
        XCTAssertLessThan(a.last!, a.first!)
    }
}
