import Foundation
import XCTest
@testable import NTKCore

/// The rectangular full packed (RFP) train kernel and its Cholesky solve against the dense path.
final class RFPTests: XCTestCase {
    /// Our index map is LAPACK's packing (LAPACKE_dtrttf), odd and even N.
    func testLayoutIsLAPACKs() {
        for n in 1...14 {
            let a = Matrix(rows: n, columns: n) { i, j in Double(1000 * Swift.max(i, j) + Swift.min(i, j)) }
            XCTAssertEqual(RFPMatrix(a).storage, RFPMatrix.lapackPacked(a), "n = \(n)")
            XCTAssertEqual(RFPMatrix(a).dense().storage, a.storage, "n = \(n)")
        }
    }

    /// Built tile by tile (tiles of 3, so tiles straddle the RFP halves) = the dense kernel.
    func testTiledBuildEqualsDenseKernel() {
        var rng = SeededGenerator(seed: 8)
        // (7, 8) with tiles of 3; (149, 150) with tiles of 100, which cross setBlock's 64×64 sub-blocks.
        for (n, tile) in [(7, 3), (8, 3), (149, 100), (150, 100)] {
            let x = Gaussian.matrix(rows: n, columns: 3, using: &rng)
            let k = AnalyticKernel(depth: 3, weightStd: 1.2, biasStd: 0.3)
            let dense = k(x)
            let packed = k.packedTrainKernels(x, nngp: true, ntk: true, tile: tile)
            assertCloseMatrices(packed.ntk!.dense(), dense.ntk, relative: 1e-14, "ntk n=\(n)")
            assertCloseMatrices(packed.nngp!.dense(), dense.nngp, relative: 1e-14, "nngp n=\(n)")
            XCTAssertEqual(packed.ntk!.diagonal, dense.ntk.diagonal, "exact diagonals")
            let b = Gaussian.matrix(rows: n, columns: 4, using: &rng)
            assertCloseMatrices(packed.nngp!.multiply(b, tile: tile), Matrix.product(dense.nngp, b), relative: 1e-14, "multiply")
        }
    }

    /// dpftrf/dpftrs = dense dpotrf/dpotrs to 1e−10 relative, odd and even N.
    func testSolveEqualsDenseSolve() throws {
        var rng = SeededGenerator(seed: 9)
        for n in [1, 2, 31, 32, 65] {
            let x = Gaussian.matrix(rows: n, columns: 5, using: &rng)
            let k = AnalyticKernel(depth: 3)(x).ntk
            let y = Gaussian.matrix(rows: n, columns: 3, using: &rng)
            let packed = try RFPCholesky(RFPMatrix(k))
            let dense = try Cholesky(k)
            assertCloseMatrices(try packed.solve(y), try dense.solve(y), relative: 1e-10, "n = \(n)")
            XCTAssertEqual(packed.jitter, 0)
        }
    }

    /// The t = ∞ guard is relative: a factor whose pivot L_ii² is at most N·ε·max diag counts as
    /// singular even though dpftrf succeeds and every pivot is positive (issue 15 item 9: a
    /// duplicated row gave λmin = 6.8e−19 and passed `λmin > 0`). A pivot well above the threshold
    /// is accepted.
    func testRelativeSingularityThresholdRefusesTinyPositivePivot() throws {
        let n = 6
        for (last, singular) in [(1e-18, true), (1e-12, false)] {
            var k = Matrix(rows: n, columns: n)
            for i in 0..<n { k[i, i] = 1 }
            k[n - 1, n - 1] = last
            XCTAssertLessThan(RFPCholesky.singularityThreshold(order: n, maxDiagonal: 1), 1e-13)
            if singular {
                XCTAssertThrowsError(try RFPCholesky(RFPMatrix(k)), "pivot² \(last)") { e in
                    guard case RFPError.notPositiveDefinite(_, let minor, _) = e else { return XCTFail("\(e)") }
                    XCTAssertEqual(minor, n, "the last pivot is the tiny one")
                }
            } else {
                XCTAssertNoThrow(try RFPCholesky(RFPMatrix(k)), "pivot² \(last)")
            }
        }
    }

    /// A non-finite entry anywhere in the packed storage is refused before dpftrf, at the first
    /// and last entry of every range of the parallel scan (order 1200: 720 600 entries, several
    /// ranges), as a non-finite matrix, not as a failed minor; with a jitter schedule the matrix
    /// is built once (no jitter can mend a NaN).
    func testNonFiniteEntryIsRefusedWherever() throws {
        let n = 1200
        var k = Matrix(rows: n, columns: n)
        for i in 0..<n { k[i, i] = 1 }
        let dense = RFPMatrix(k)
        let ranges = Parallel.finiteScanRanges(dense.storage.count)
        XCTAssertGreaterThan(ranges.count, 1, "the scan must be split for this test to mean anything")
        XCTAssertEqual(ranges.first?.lowerBound, 0)
        XCTAssertEqual(ranges.last?.upperBound, dense.storage.count)
        let positions = ranges.flatMap { [$0.lowerBound, $0.upperBound - 1] }
        for position in positions {
            for bad in [Double.nan, .infinity] {
                var a = dense
                a.storage[position] = bad
                XCTAssertThrowsError(try RFPCholesky(a), "\(bad) at \(position)") { e in
                    guard case LinearAlgebraError.nonFinite = e else { return XCTFail("\(e)") }
                }
            }
        }
        XCTAssertNoThrow(try RFPCholesky(dense))
        var builds = 0
        var poisoned = dense
        poisoned.storage[positions[1]] = .nan
        XCTAssertThrowsError(try RFPCholesky.factorize(schedule: JitterSchedule()) { builds += 1; return poisoned }) { e in
            guard case LinearAlgebraError.nonFinite = e else { return XCTFail("\(e)") }
        }
        XCTAssertEqual(builds, 1, "a non-finite kernel is not rebuilt for every jitter")
    }

    /// A duplicated input makes the kernel singular: without a jitter Cholesky is refused; with
    /// the schedule a jitter of 1e−10·10^k × mean diagonal is used, reported, and the solve is
    /// the dense solve of K + jitter·I.
    func testJitterPathWithDuplicatedRow() throws {
        var rng = SeededGenerator(seed: 10)
        var x = Gaussian.matrix(rows: 12, columns: 4, using: &rng)
        for c in 0..<4 { x[7, c] = x[3, c] }
        let k = AnalyticKernel(depth: 2, activation: .erf)(x).ntk
        XCTAssertThrowsError(try RFPCholesky(RFPMatrix(k))) { e in
            guard case RFPError.notPositiveDefinite = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try RFPCholesky.factorize(schedule: nil) { RFPMatrix(k) })
        var builds = 0
        let chol = try RFPCholesky.factorize(schedule: JitterSchedule()) { builds += 1; return RFPMatrix(k) }
        let meanDiagonal = k.diagonal.reduce(0, +) / 12
        XCTAssertGreaterThan(chol.jitter, 0)
        let relative = chol.jitter / meanDiagonal
        let k10 = Foundation.log10(relative)
        XCTAssertEqual(k10, k10.rounded(), accuracy: 1e-9, "a power of ten: \(relative)")
        XCTAssertEqual(builds, chol.attempts, "the matrix is rebuilt for each attempt")
        var kj = k
        kj.addToDiagonal(chol.jitter)
        let y = Gaussian.matrix(rows: 12, columns: 2, using: &rng)
        // K + jitter·I is ill-conditioned, so compare backward errors, not solutions.
        let sol = try chol.solve(y)
        let residual = (Matrix.product(kj, sol) - y).frobeniusNorm / (kj.frobeniusNorm * sol.frobeniusNorm)
        XCTAssertLessThan(residual, 1e-13, "backward error of the jittered solve")
    }
}
