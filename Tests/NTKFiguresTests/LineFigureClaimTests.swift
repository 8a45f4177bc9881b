import XCTest
@testable import NTKCore
@testable import NTKFigures

/// The 1-D toy figures (source 003 and Lee et al. 2019) at quick scale, with their claims
/// asserted. Together about 13 s on the 2-core machine (fig8 ≈ 2 s, fig9 ≈ 11 s).
final class LineFigureClaimTests: XCTestCase {
    func testFig8QuickClaims_22_22b_22c_23_23b_24_24b() throws {
        let r = try Fig8LinearizedDynamics.compute(.forScale(.quick), seed: 0)
        assertClaims(r.output, expected: ["22", "22b", "22c", "23", "23b", "24", "24b"])
        // Source 003's Fig. 4: the network at the linear model's parameters misses the training
        // points by orders of magnitude more than the linear model itself, at the narrowest width.
        for run in r.runs where run.width == r.config.widths[0] {
            XCTAssertGreaterThan(run.blogTrainMiss, 100 * run.linearizedTrainMiss, "seed \(run.seedIndex)")
        }
        // Panel (e) is the analytic kernel: at the centre it is Θ∞(c, c).
        let kernel = AnalyticKernel(depth: r.config.depth, beta: r.config.beta)
        let axis = LineSetup.grid(r.config.heatmapRange, count: r.config.heatmapPoints)
        for (h, c) in r.config.heatmapCenters.enumerated() {
            guard let i = axis.firstIndex(of: c[1]), let j = axis.firstIndex(of: c[0]) else { continue }
            XCTAssertEqual(r.heatmaps[h][i, j], kernel(Matrix([c])).ntk[0, 0], accuracy: 1e-12, "centre \(c)")
        }
    }

    /// Claims 25 (the trained networks' mean equals μ_t within an O(1/n) allowance) and 25c (their
    /// departure from their linearisations shrinks at least like n^−½) fail at paper scale: the
    /// networks leave their linearisations, and between widths 256 and 1024 that departure shrinks
    /// like n^−0.35…−0.44 (docs/SPEC.md §7.8). They are recorded here, not asserted; 25b shows that
    /// the linearised networks do follow the process.
    func testFig9QuickClaims_25b_26_27_28_28b() throws {
        let r = try Fig9NTKGaussianProcess.compute(.forScale(.quick), seed: 0)
        assertClaims(r.output, expected: ["25", "25b", "25c", "26", "27", "28", "28b"], recordedOnly: ["25", "25c"])
        // At t = 0 the process is the prior: mean 0, covariance Σ.
        XCTAssertEqual(r.snapshots[0].mean.map(abs).max()!, 0, accuracy: 1e-12)
        // Late in training both bands vanish at the training points.
        let last = r.snapshots.last!
        for tx in r.config.trainX {
            let g = r.gridX.enumerated().min { abs($0.element - tx) < abs($1.element - tx) }!.offset
            XCTAssertLessThan(last.sd[g], 1e-3, "NTK-GP sd at x = \(tx)")
            XCTAssertLessThan(max(r.nngpCovariance[g, g], 0).squareRoot(), 1e-3, "NNGP sd at x = \(tx)")
        }
    }
}
