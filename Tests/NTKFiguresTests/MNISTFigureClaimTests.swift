import XCTest
@testable import NTKCore
@testable import NTKFigures

/// Each MNIST figure's computation at quick scale, with its claims asserted. MNIST comes from
/// `make data` (a prerequisite of `make verify`).
final class MNISTFigureClaimTests: XCTestCase {
    func testFig4QuickClaim_21() throws {
        let r = try Fig4MNISTErrorPrediction.compute(.forScale(.quick), seed: 0)
        assertClaims(r.output, expected: ["21"])
    }

    func testFig5QuickClaims_15_15b_16b_16d_16w() throws {
        let r = try Fig5MNISTKernelPCA.compute(.forScale(.quick), seed: 0)
        assertClaims(r.output, expected: ["15", "15b", "16b", "16d", "16w"])
        // Claim 15 is a calibration of the depth; the others are predictions.
        XCTAssertEqual(r.output.claims.filter { $0.kind != .prediction }.map(\.id), ["15", "15", "15"])
        // Components have unit p_in norm: (1/N)Σ f(i)(x_j)² = 1.
        for c in r.pca.components {
            XCTAssertEqual(c.reduce(0) { $0 + $1 * $1 } / Double(c.count), 1, accuracy: 1e-10)
        }
    }

    func testFig6QuickClaims_19_20() throws {
        let r = try Fig6RandomLabels.compute(.forScale(.quick), seed: 0)
        assertClaims(r.output, expected: ["19", "20"])
        XCTAssertEqual(r.eigenvalues, r.eigenvalues.sorted(by: >))
    }

    func testErrorPredictionMetricsByHand() {
        // truth 0..5; ANN wrong at 1,2,3; NTK wrong at 2,3,4 (same wrong label at 2 only).
        let truth = [0, 1, 2, 3, 4, 5]
        let ann = [0, 9, 9, 9, 4, 5]
        let ntk = [0, 1, 9, 8, 7, 5]
        let e = ErrorPrediction(ann: ann, ntk: ntk, truth: truth)
        XCTAssertEqual(e.truePositives, 2)
        XCTAssertEqual(e.falsePositives, 1)
        XCTAssertEqual(e.falseNegatives, 1)
        XCTAssertEqual(e.sameWrongLabel, 0.5)
        XCTAssertEqual(e.agreement, 3.0 / 6.0)
        // p_o = 4/6, p_e = 0.5·0.5 + 0.5·0.5 = 0.5 → κ = (2/3 − 1/2)/(1/2) = 1/3.
        XCTAssertEqual(e.kappa, 1.0 / 3.0, accuracy: 1e-15)
    }
}
