import XCTest
@testable import NTKCore
@testable import NTKFigures

/// Lee et al. 2018, Table 1 (MNIST, ReLU) at quick scale: the 1k row on all 10 000 test digits,
/// with claims L18-1k (the paper) and L18-1k-replica, L18-1k-ntk-replica (an independent
/// NumPy replica) asserted (docs/SPEC.md §9), and the protocol's pieces checked by hand.
final class Lee2018ClaimTests: XCTestCase {
    func testLee2018QuickClaims_L18_1k() throws {
        let r = try Lee2018NNGPMNIST.compute(.forScale(.quick))
        assertClaims(r.output, expected: ["L18-1k", "L18-1k-replica", "L18-1k-ntk-replica"])
        XCTAssertTrue(r.output.claims.allSatisfy { $0.kind == .prediction })
        let row = try XCTUnwrap(r.rows.first)
        XCTAssertNotNil(row.ntkAccuracy, "the NTK is computed at quick scale too")
        XCTAssertEqual(row.nngp.jitter, 1e-10, "Lee et al.'s first jitter")
        XCTAssertEqual(r.output.csv.rows.count, 2)
    }

    /// Subsets: the first N/10 of each class, in class order; the whole pool at its size.
    func testTrainIndicesFollowTheProtocol() {
        let labels = [3, 0, 1, 0, 2, 1, 3, 2, 0, 1, 2, 3] + Array(repeating: 9, count: 3) + [4, 5, 6, 7, 8, 4, 5, 6, 7, 8]
        XCTAssertEqual(Lee2018NNGPMNIST.trainIndices(poolLabels: labels, count: labels.count), Array(labels.indices))
        let idx = Lee2018NNGPMNIST.trainIndices(poolLabels: labels, count: 20)
        XCTAssertEqual(idx, [1, 3, 2, 5, 4, 7, 0, 6, 15, 20, 16, 21, 17, 22, 18, 23, 19, 24, 12, 13])
    }

    /// Every preprocessed image has zero mean and x·x/d = 1, whatever the offset and scale.
    func testPreprocessStandardisesEachImage() {
        var rng = SeededGenerator(seed: 3)
        var x = Gaussian.matrix(rows: 4, columns: 784, using: &rng)
        for i in 0..<4 { for j in 0..<784 { x[i, j] = 0.3 + Double(i + 1) * abs(x[i, j]) } }
        let z = Lee2018NNGPMNIST.preprocess(x, trainMean: 0.13)
        for i in 0..<4 {
            let row = z.row(i)
            XCTAssertEqual(row.reduce(0, +) / 784, 0, accuracy: 1e-14)
            XCTAssertEqual(row.reduce(0) { $0 + $1 * $1 } / 784, 1, accuracy: 1e-12)
        }
        let y = Lee2018NNGPMNIST.targets([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        XCTAssertEqual(y[3, 3], 0.9, accuracy: 1e-15)
        XCTAssertEqual(y[3, 4], -0.1, accuracy: 1e-15)
    }

    /// The multi-predictor path gives `predict`'s means (one kernel pass for both).
    func testInfiniteMeansMatchPredict() throws {
        var rng = SeededGenerator(seed: 5)
        let x = Gaussian.matrix(rows: 40, columns: 6, using: &rng), xt = Gaussian.matrix(rows: 9, columns: 6, using: &rng)
        let y = Gaussian.matrix(rows: 40, columns: 3, using: &rng)
        let p = KernelPredictor(kernel: AnalyticKernel(depth: 3, activation: .relu, weightStd: 1.2, biasStd: 0.5),
                                jitter: .lee2018, blockRows: 4, tile: 16)
        let both = try p.infiniteMeans(modes: [.nngp, .ntk], xTrain: x, yTrain: y, xTest: xt)
        for f in both.fits {
            var q = p
            q.mode = f.mode
            let ref = try q.predict(xTrain: x, yTrain: y, xTest: xt, covariance: false)
            XCTAssertLessThan((f.mean - ref.mean).frobeniusNorm / ref.mean.frobeniusNorm, 1e-12, f.mode.rawValue)
            XCTAssertEqual(f.jitter, 1e-10)
        }
    }
}
