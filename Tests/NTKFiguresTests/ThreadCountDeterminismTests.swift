import XCTest
@testable import NTKCore
@testable import NTKFigures

/// The same seed gives the same CSV bytes for any thread count, for every figure (README
/// "Reproducibility"; `Parallel`). Each figure runs a tiny version of its computation with 1, 2
/// and 3 threads, with the minimum block lowered so that even these small products are cut into
/// many blocks and the parallel loops really run on several threads.
final class ThreadCountDeterminismTests: XCTestCase {
    private var saved: (workers: Int, block: (flops: Double, size: Int)) = (1, (0, 0))

    override func setUp() {
        saved = (Parallel.workerCount, Parallel.minimumBlock)
        Parallel.minimumBlock = (flops: 0, size: 4)
    }

    override func tearDown() {
        Parallel.workerCount = saved.workers
        Parallel.minimumBlock = saved.block
    }

    /// Runs `csv` with 1, 2 and 3 threads and asserts identical text.
    private func assertSameBytes(_ name: String, _ csv: () throws -> String,
                                 file: StaticString = #filePath, line: UInt = #line) rethrows {
        var texts = [String]()
        for threads in [1, 2, 3] {
            Parallel.workerCount = threads
            texts.append(try csv())
        }
        XCTAssertFalse(texts[0].isEmpty, name, file: file, line: line)
        for (i, t) in texts.enumerated().dropFirst() {
            let differing = zip(texts[0].split(separator: "\n"), t.split(separator: "\n")).filter { $0 != $1 }.count
            XCTAssertTrue(t == texts[0], "\(name): \([1, 2, 3][i]) threads differ from 1 thread in \(differing) CSV lines",
                          file: file, line: line)
        }
    }

    func testBlockingIsCutByShapeOnly() {
        // The rule sees the shape, never the thread count, and really cuts at these settings.
        let before = Parallel.blockCount(size: 1000, flops: 1e9)
        Parallel.workerCount = 7
        XCTAssertEqual(Parallel.blockCount(size: 1000, flops: 1e9), before)
        XCTAssertGreaterThan(before, 1)
    }

    func testFig1() throws {
        var c = Fig1NTKCircle.Config.forScale(.quick)
        (c.widths, c.seeds, c.initSeeds, c.steps, c.trainingPoints, c.gridPoints) = ([48], 2, 2, 4, 12, 9)
        try assertSameBytes("fig1") { try Fig1NTKCircle.compute(c, seed: 5).output.csv.text }
    }

    func testFig2() throws {
        var c = Fig2NTKConvergence.Config.forScale(.quick)
        (c.widths, c.seeds, c.steps) = ([32, 64], 2, 4)
        try assertSameBytes("fig2") { try Fig2NTKConvergence.compute(c, seed: 5).output.csv.text }
    }

    func testFig3() throws {
        var c = Fig3FunctionDistribution.Config.forScale(.quick)
        (c.widths, c.seeds, c.steps, c.gridPoints) = ([32], 3, 20, 11)
        try assertSameBytes("fig3") { try Fig3FunctionDistribution.compute(c, seed: 5).output.csv.text }
    }

    func testFig4() throws {
        var c = Fig4MNISTErrorPrediction.Config.forScale(.quick)
        (c.trainSize, c.testSize, c.seeds, c.width, c.maxSteps) = (40, 30, 1, 32, 10)
        try assertSameBytes("fig4") { try Fig4MNISTErrorPrediction.compute(c, seed: 5).output.csv.text }
    }

    func testFig5() throws {
        var c = Fig5MNISTKernelPCA.Config.forScale(.quick)
        (c.batch, c.trainWidths, c.trainSeeds, c.timeInUnitsOfInverseLambda2) = (48, [32], 1, 0.01)
        try assertSameBytes("fig5") { try Fig5MNISTKernelPCA.compute(c, seed: 5).output.csv.text }
    }

    func testFig6() throws {
        var c = Fig6RandomLabels.Config.forScale(.quick)
        (c.samples, c.width, c.iterations) = (40, 64, 10)
        try assertSameBytes("fig6") { try Fig6RandomLabels.compute(c, seed: 5).output.csv.text }
    }

    func testFig7() throws {
        var c = Fig7PNTKApproximation.Config.forScale(.quick)
        (c.widths, c.seeds, c.trainDigits, c.testDigits) = ([32, 64], 2, 12, 20)
        try assertSameBytes("fig7") { try Fig7PNTKApproximation.compute(c, seed: 5).output.csv.text }
    }

    func testFig8() throws {
        var c = Fig8LinearizedDynamics.Config.forScale(.quick)
        (c.widths, c.seeds, c.steps, c.gridPoints, c.curveSteps, c.heatmapPoints, c.wideWidth) = ([40, 80], 2, 10, 9, [0, 5, 10], 5, 80)
        try assertSameBytes("fig8") { try Fig8LinearizedDynamics.compute(c, seed: 5).output.csv.text }
    }

    func testFig9() throws {
        var c = Fig9NTKGaussianProcess.Config.forScale(.quick)
        (c.width, c.networks, c.gridPoints, c.steps, c.nullDraws, c.bootstrapResamples) = (64, 6, 9, [0, 3, 10], 50, 20)
        try assertSameBytes("fig9") { try Fig9NTKGaussianProcess.compute(c, seed: 5).output.csv.text }
    }

    func testLee2018() throws {
        var c = Lee2018NNGPMNIST.Config.forScale(.quick)
        c.rows = [Lee2018NNGPMNIST.table[0]]
        c.rows[0].trainSize = 60
        c.ntkTrainSizes = [60]
        c.testSize = 40
        try assertSameBytes("lee2018") { try Lee2018NNGPMNIST.compute(c).output.csv.text }
    }
}
