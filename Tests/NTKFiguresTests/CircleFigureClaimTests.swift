import XCTest
@testable import NTKCore
@testable import NTKFigures

/// Each unit-circle figure's computation at quick scale, with its claims asserted (the claims
/// carry their own tolerances and reasons; see the figure sources and docs/SPEC.md §4).
final class CircleFigureClaimTests: XCTestCase {
    func testFig1QuickClaims_6_6b_10_11() throws {
        let r = try Fig1NTKCircle.compute(.forScale(.quick), seed: 0)
        assertClaims(r.output, expected: ["6", "6b", "10", "11"])
        // The limit curve is the analytic table value at γ = 0 and γ = ±π (docs/SPEC.md §1.5).
        XCTAssertEqual(r.limit[r.gammas.count / 2], 0.282500, accuracy: 1e-9)
        XCTAssertEqual(r.limit[0], 0.064354, accuracy: 1e-6)
    }

    func testFig2QuickClaims_7_8_9() throws {
        let r = try Fig2NTKConvergence.compute(.forScale(.quick), seed: 0)
        assertClaims(r.output, expected: ["7", "8", "9"])
    }

    func testFig3QuickClaims_13_14_14b() throws {
        let r = try Fig3FunctionDistribution.compute(.forScale(.quick), seed: 0)
        assertClaims(r.output, expected: ["13", "14", "14b"])
        // The mean passes through the training targets (T = 1000 steps on 4 points).
        for (g, y) in zip(r.trainX, r.trainY) {
            let i = r.gammas.enumerated().min { abs($0.element - g) < abs($1.element - g) }!.offset
            XCTAssertEqual(r.mean[i], y, accuracy: 0.1, "mean near train point γ=\(g)")
        }
    }

    func testClaimHelpersCanFail() {
        XCTAssertFalse(Claim.inRange("x", "", source: .proposal, kind: .prediction, quantity: "", measured: 2, range: 0...1, expected: "", reason: "").passed)
        XCTAssertFalse(Claim.close("x", "", source: .proposal, kind: .prediction, quantity: "", measured: 1, target: 0, tol: 0.5, reason: "").passed)
        XCTAssertFalse(Claim.bound("x", "", source: .proposal, kind: .prediction, quantity: "", measured: .nan, bound: 1, expected: "", reason: "").passed)
        XCTAssertTrue(Claim.bound("x", "", source: .proposal, kind: .prediction, quantity: "", measured: 2, bound: 1, above: true, expected: "", reason: "").passed)
    }

    /// The kind survives the run record's JSON round trip, an unknown or missing kind is rejected,
    /// and CLAIMS.md counts predictions and calibrations separately.
    func testClaimKindRoundTripAndReportCounts() throws {
        let cal = Claim.bound("15", "s", source: .paper, kind: .calibration("depth chosen to match"), quantity: "q",
                              measured: 0, bound: 1, expected: "e", reason: "r")
        let pred = Claim.bound("16", "s", source: .paper, kind: .prediction, quantity: "q",
                               measured: 2, bound: 1, expected: "e", reason: "r")
        let data = try JSONEncoder().encode([cal, pred])
        XCTAssertEqual(try JSONDecoder().decode([Claim].self, from: data), [cal, pred])
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("\"kind\":\"calibration\"") && text.contains("depth chosen to match"), text)
        for bad in [text.replacingOccurrences(of: "\"kind\":\"prediction\"", with: "\"kinds\":\"prediction\""),
                    text.replacingOccurrences(of: "\"kind\":\"prediction\"", with: "\"kind\":\"guess\"")] {
            XCTAssertThrowsError(try JSONDecoder().decode([Claim].self, from: Data(bad.utf8)), bad)
        }
        XCTAssertEqual(ClaimsReport.summary([cal, pred]),
                       "1 predictions: 0 passed, 1 failed; 1 calibrations: 1 passed, 0 failed.")
    }

    func testLogLogSlope() {
        let x = [1.0, 10, 100, 1000]
        XCTAssertEqual(logLogSlope(x, x.map { 3 / $0.squareRoot() }), -0.5, accuracy: 1e-12)
    }
}
