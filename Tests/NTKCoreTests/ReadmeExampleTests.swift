import XCTest
@testable import NTKCore

/// The library example of README.md ("From Swift"), kept compiling and checked here.
final class ReadmeExampleTests: XCTestCase {
    func testReadmeLibraryExample() throws {
        // --- README example begins ---
        var rng = SeededGenerator(seed: 0)
        let x = Gaussian.matrix(rows: 100, columns: 784, using: &rng)     // N×d training inputs
        let xt = Gaussian.matrix(rows: 20, columns: 784, using: &rng)     // test inputs
        let y = Gaussian.matrix(rows: 100, columns: 1, using: &rng)       // targets
        let kernel = AnalyticKernel(depth: 4, beta: 0.1)                  // ReLU, L = 4 weight layers
        let theta = kernel(x).ntk, thetaTestTrain = kernel(xt, x).ntk     // Θ∞ (.nngp gives Σ)
        var net = MLP(inputDimension: 784, width: 500, depth: 4, outputs: 1, beta: 0.1, seed: 1)
        let theta0 = net.empiricalNTK(x)                                  // layerwise formula, no Jacobian
        let flow = try GradientFlow(kTrainTrain: theta)                   // factorised once
        let fInf = try flow.predictTest(at: .infinity, fTrain0: Matrix(rows: 100, columns: 1), yTrain: y,
                                        fTest0: Matrix(rows: 20, columns: 1), kTestTrain: thetaTestTrain)
        let report = try net.train(inputs: x, targets: y, steps: 200)     // lr 1, cost (1/2N)Σ‖f − y‖²
        // --- README example ends ---
        XCTAssertEqual(theta0.rows, 100)
        XCTAssertEqual(fInf.rows, 20)
        XCTAssertLessThan(report.losses.last!, report.losses.first!)
    }
}
