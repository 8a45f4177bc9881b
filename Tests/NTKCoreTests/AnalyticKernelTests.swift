import Foundation
import XCTest
@testable import NTKCore

final class AnalyticKernelTests: XCTestCase {
    let angles = [0, Double.pi / 4, .pi / 2, 3 * .pi / 4, .pi]

    /// docs/SPEC.md §1.5 table (β = 0.1, x0 = (1,0) against x(γ)).
    /// The inlined angle of the ReLU closed form equals libm's atan2(s, c) for s ≥ 0 over all
    /// octants, tiny and huge ratios, and the exact axes.
    func testInlinedAngleMatchesAtan2() {
        var rng = SeededGenerator(seed: 5)
        var cases: [(Double, Double)] = [(0, 1), (1, 0), (0, -1), (1, 1), (1, -1), (1e-300, 1), (1, 1e-300),
                                         (1e-300, -1), (2.414213562373095, 1), (0.66, 1), (0.66, -1), (3, -1e-8)]
        for _ in 0..<200_000 {
            let s = abs(rng.nextStandardNormal()) * pow(10, Double(Int(rng.next() % 9)) - 4)
            let c = rng.nextStandardNormal() * pow(10, Double(Int(rng.next() % 9)) - 4)
            cases.append((s, c))
        }
        var worst = 0.0
        for (s, c) in cases { worst = max(worst, abs(ReLUDual.angle(s, c) - atan2(s, c))) }
        XCTAssertLessThan(worst, Tolerance.angleAbs)
    }

    func testUnitCircleTable() {
        let table: [(Int, Bool, [Double])] = [
            (1, true, [0.510000, 0.363553, 0.010000, -0.343553, -0.490000]),
            (2, true, [0.520000, 0.340534, 0.096216, -0.020961, -0.011317]),
            (3, true, [0.402500, 0.249001, 0.107849, 0.052936, 0.051957]),
            (4, true, [0.282500, 0.169971, 0.092702, 0.066036, 0.064354]),
            (4, false, [0.081250, 0.069867, 0.055760, 0.049239, 0.048097]),
            (5, true, [0.191875, 0.116071, 0.074393, 0.061050, 0.059872]),
        ]
        let x0 = circlePoints([0]), x = circlePoints(angles)
        for (depth, isNTK, expected) in table {
            let k = AnalyticKernel(depth: depth, activation: .relu, beta: 0.1)(x0, x)
            let row = (isNTK ? k.ntk : k.nngp).row(0)
            for (g, e) in zip(row, expected) {
                XCTAssertEqual(g, e, accuracy: Tolerance.tableAbs, "L=\(depth) \(isNTK ? "Θ" : "Σ")")
            }
        }
        // The γ = 0 column is exact (hand derivation §1.6): Σ halves and adds β², Σ̇ = ½.
        let sym = AnalyticKernel(depth: 4)(x0)
        XCTAssertEqual(sym.ntk[0, 0], 0.2825, accuracy: Tolerance.exactAbs)
        XCTAssertEqual(sym.nngp[0, 0], 0.08125, accuracy: Tolerance.exactAbs)
        XCTAssertEqual(AnalyticKernel(depth: 5)(x0).ntk[0, 0], 0.191875, accuracy: Tolerance.exactAbs)
        XCTAssertEqual(AnalyticKernel(depth: 3)(x0, x0).ntk[0, 0], 0.4025, accuracy: Tolerance.exactAbs)
    }

    /// §1.6: Θ(2)(γ) = (cos γ/2 + β²)(π−φ)/(2π) + 0.51·(sin φ + (π−φ)cos φ)/(2π) + β².
    func testDepthTwoHandFormula() {
        let grid = (0...40).map { -Double.pi + 2 * Double.pi * Double($0) / 40 }
        let k = AnalyticKernel(depth: 2, beta: 0.1)(circlePoints([0]), circlePoints(grid)).ntk
        for (j, g) in grid.enumerated() {
            let c = cos(g) / 2 + 0.01
            let phi = acos(min(1, max(-1, c / 0.51)))
            let expected = c * (.pi - phi) / (2 * .pi) + 0.51 * (sin(phi) + (.pi - phi) * cos(phi)) / (2 * .pi) + 0.01
            XCTAssertEqual(k[0, j], expected, accuracy: Tolerance.exactAbs, "γ = \(g)")
        }
    }

    /// With L = 1 the kernels are exactly x·x'/n0 + β² (and the (1−β²) variant).
    func testDepthOneIsLinearKernel() {
        var rng = SeededGenerator(seed: 3)
        let x = Gaussian.matrix(rows: 7, columns: 4, using: &rng)
        for param in Parametrization.allCases {
            let w2 = param.weightVariance(beta: 0.3)
            let k = AnalyticKernel(depth: 1, activation: .erf, beta: 0.3, parametrization: param)(x)
            let e = Matrix(rows: 7, columns: 7) { i, j in
                var s = 0.0
                for m in 0..<4 { s += x[i, m] * x[j, m] }
                return w2 * s / 4 + 0.09
            }
            assertCloseMatrices(k.ntk, e, relative: Tolerance.float64Rel, "ntk")
            assertCloseMatrices(k.nngp, e, relative: Tolerance.float64Rel, "nngp")
        }
    }

    /// Claim 2: closed-form E[σσ] and E[σ'σ'] within 5 Monte Carlo standard errors.
    func testClosedFormsAgainstMonteCarlo() {
        let cases: [(Double, Double, Double)] = [(1, 1, 0.3), (0.51, 0.51, -0.4), (2, 0.5, 0.9), (0.3, 1.7, -0.7), (1, 1, 0.999)]
        var rng = SeededGenerator(seed: 17)
        let m = 200_000
        for act in [Activation.relu, .erf] {
            for (a, b, c) in cases {
                let (es, ed) = GaussianExpectation.dual(act, a: a, b: b, c: c)
                let ra = a.squareRoot(), mm = c / ra, r = max(b - mm * mm, 0).squareRoot()
                var s1 = 0.0, s2 = 0.0, d1 = 0.0, d2 = 0.0
                for _ in 0..<m {
                    let z1 = rng.nextStandardNormal(), z2 = rng.nextStandardNormal()
                    let u = ra * z1, v = mm * z1 + r * z2
                    let p = act(u) * act(v), q = act.derivative(u) * act.derivative(v)
                    s1 += p; s2 += p * p; d1 += q; d2 += q * q
                }
                let md = Double(m)
                let meanS = s1 / md, seS = ((s2 / md - meanS * meanS) / md).squareRoot()
                let meanD = d1 / md, seD = ((d2 / md - meanD * meanD) / md).squareRoot()
                XCTAssertLessThan(abs(es - meanS), Tolerance.monteCarloStandardErrors * seS, "\(act) E[σσ] a=\(a) b=\(b) c=\(c)")
                XCTAssertLessThan(abs(ed - meanD), Tolerance.monteCarloStandardErrors * seD, "\(act) E[σ'σ'] a=\(a) b=\(b) c=\(c)")
            }
        }
    }

    /// The closed forms against Gauss–Hermite quadrature (an independent deterministic check).
    func testClosedFormsAgainstGaussHermite() throws {
        let gh = try GaussHermite(degree: 80)
        // Gauss–Legendre on [0, 12] by Golub–Welsch, weights multiplied by the N(0,1) density.
        let legendre: (nodes: [Double], weights: [Double]) = try {
            let n = 200
            var j = Matrix(rows: n, columns: n)
            for k in 1..<n {
                let b = Double(k) / (4 * Double(k * k) - 1).squareRoot()
                j[k - 1, k] = b; j[k, k - 1] = b
            }
            let e = try j.symmetricEigen()
            let nodes = e.values.map { 6 * ($0 + 1) }
            let weights = (0..<n).map { 2 * e.vectors[0, $0] * e.vectors[0, $0] * 6 * Foundation.exp(-0.5 * nodes[$0] * nodes[$0]) / (2 * Double.pi).squareRoot() }
            return (nodes, weights)
        }()
        XCTAssertEqual(gh.weights.reduce(0, +), 1, accuracy: Tolerance.float64Rel)
        let cases: [(Double, Double, Double)] = [(1, 1, 0.3), (0.51, 0.51, -0.4), (2, 0.5, 0.9), (0.3, 1.7, -0.7)]
        for (a, b, c) in cases {
            let erf = GaussianExpectation.dual(.erf, a: a, b: b, c: c)
            let qs = gh.expectation(a: a, b: b, c: c) { Foundation.erf($0) * Foundation.erf($1) }
            let qd = gh.expectation(a: a, b: b, c: c) { Activation.erf.derivative($0) * Activation.erf.derivative($1) }
            XCTAssertEqual(erf.sigma, qs, accuracy: Tolerance.quadratureSmoothRel * abs(qs))
            XCTAssertEqual(erf.sigmaDot, qd, accuracy: Tolerance.quadratureSmoothRel * abs(qd))
            // ReLU: Gauss–Hermite converges only algebraically across the kinks, so integrate v
            // out in closed form (v | u is Gaussian) and integrate u over the half-line u > 0
            // (where relu(u) ≠ 0) with Gauss–Legendre on [0, 12] (the N(0,1) tail beyond 12 is
            // below 1e−32), where the integrand is smooth.
            let relu = GaussianExpectation.dual(.relu, a: a, b: b, c: c)
            let ra = a.squareRoot(), m = c / ra, r = max(b - m * m, 0).squareRoot()
            var rs = 0.0, rd = 0.0
            for (z, w) in zip(legendre.nodes, legendre.weights) {
                let mu = m * z
                let cdf = 0.5 * Foundation.erfc(-mu / (r * 2.0.squareRoot()))
                let pdf = Foundation.exp(-0.5 * mu * mu / (r * r)) / (2 * Double.pi).squareRoot()
                rs += w * ra * z * (mu * cdf + r * pdf)      // E[relu(v) | u] = μΦ(μ/r) + rφ(μ/r)
                rd += w * cdf                                 // P(v > 0 | u) = Φ(μ/r)
            }
            XCTAssertEqual(relu.sigma, rs, accuracy: Tolerance.quadratureReLURel * abs(rs), "relu a=\(a) b=\(b) c=\(c)")
            XCTAssertEqual(relu.sigmaDot, rd, accuracy: Tolerance.quadratureReLURel * abs(rd), "relu' a=\(a) b=\(b) c=\(c)")
        }
    }

    /// Claim 3: symmetric, PSD, rank 3 for L = 1, λmin ≈ 3.96e−3 (L=2) and 5.93e−3 (L=4).
    func testCircleGramSymmetricAndPositiveDefinite() throws {
        let x = circlePoints((0..<64).map { 2 * Double.pi * Double($0) / 64 })
        for (depth, lmin) in [(1, 0.0), (2, 3.96e-3), (4, 5.93e-3)] {
            let k = AnalyticKernel(depth: depth, beta: 0.1)(x).ntk
            XCTAssertLessThanOrEqual((k - k.transposed).maxAbs, Tolerance.symmetryAbs)
            let ev = try k.symmetricEigenvalues()
            let top = ev.last!
            if depth == 1 {
                XCTAssertEqual(ev.filter { $0 > Tolerance.rankRel * top }.count, 3, "L=1 has rank 3")
            } else {
                XCTAssertGreaterThan(ev[0], Tolerance.positiveDefiniteFloor)
                XCTAssertEqual(ev[0], lmin, accuracy: Tolerance.circleEigenRel * lmin, "λmin L=\(depth)")
            }
        }
        var rng = SeededGenerator(seed: 8)
        let g = Gaussian.matrix(rows: 40, columns: 6, using: &rng)
        for act in Activation.allCases {
            let k = AnalyticKernel(depth: 3, activation: act)(g)
            XCTAssertEqual((k.ntk - k.ntk.transposed).maxAbs, 0, "mirrored exactly")
            XCTAssertGreaterThan(try k.ntk.symmetricEigenvalues()[0], -Tolerance.float64Rel * k.ntk.maxAbs * 40)
            XCTAssertGreaterThan(try k.nngp.symmetricEigenvalues()[0], -Tolerance.float64Rel * k.nngp.maxAbs * 40)
        }
    }

    /// The general X1/X2 path equals the blocks of the symmetric path; diagonals are exact.
    func testCrossKernelMatchesSymmetricBlocks() {
        var rng = SeededGenerator(seed: 9)
        let x1 = Gaussian.matrix(rows: 150, columns: 5, using: &rng)
        let x2 = Gaussian.matrix(rows: 70, columns: 5, using: &rng)
        let all = Matrix(rows: 220, columns: 5, storage: x1.storage + x2.storage)
        for act in Activation.allCases {
            let kernel = AnalyticKernel(depth: 4, activation: act, beta: 0.2)
            let full = kernel(all), cross = kernel(x1, x2)
            let block = Matrix(rows: 150, columns: 70) { full.ntk[$0, 150 + $1] }
            let blockS = Matrix(rows: 150, columns: 70) { full.nngp[$0, 150 + $1] }
            assertCloseMatrices(cross.ntk, block, relative: Tolerance.float64Rel, "\(act) ntk")
            assertCloseMatrices(cross.nngp, blockS, relative: Tolerance.float64Rel, "\(act) nngp")
            let d = kernel.diagonal(all)
            XCTAssertEqual(full.ntk.diagonal, d.ntk)
            XCTAssertEqual(full.nngp.diagonal, d.nngp)
        }
    }

    /// Claim 17 / §3.2: for β = 0, Θ_Jacot(L) = Θ_ADH(L−1)/(n0·2^{L−1}), likewise Σ.
    func testRelationToADHKernelAtBetaZero() {
        var rng = SeededGenerator(seed: 10)
        let x = Gaussian.matrix(rows: 30, columns: 7, using: &rng)
        for depth in 1...5 {
            let jacot = AnalyticKernel(depth: depth, activation: .relu, beta: 0)(x)
            var adh = ADHKernel.relu(x, hiddenLayers: depth - 1)
            let scale = 1 / (7 * pow(2, Double(depth - 1)))
            adh.ntk.scale(by: scale); adh.nngp.scale(by: scale)
            assertCloseMatrices(jacot.ntk, adh.ntk, relative: Tolerance.adhRel, "Θ L=\(depth)")
            assertCloseMatrices(jacot.nngp, adh.nngp, relative: Tolerance.adhRel, "Σ L=\(depth)")
        }
        // No such identity with β > 0 (the test can fail).
        let j = AnalyticKernel(depth: 3, beta: 0.1)(x).ntk
        var a = ADHKernel.relu(x, hiddenLayers: 2).ntk
        a.scale(by: 1 / (7 * 4.0))
        XCTAssertGreaterThan(relativeFrobeniusError(j, a), Tolerance.adhRel)
    }

    /// §3.2 two-layer case on unit inputs: Θ_ADH = 2H∞ + (sin φ + (π−φ)cos φ)/π, and H∞ equals
    /// x·x'(π − arccos(x·x'))/(2π).
    func testAroraHInfinityAndTwoLayerADH() {
        var rng = SeededGenerator(seed: 12)
        var x = Gaussian.matrix(rows: 20, columns: 3, using: &rng)
        for i in 0..<20 {
            let n = BLAS.norm2(x.row(i))
            for k in 0..<3 { x[i, k] /= n }
        }
        let h = AroraKernel.hInfinity(x)
        let theta = ADHKernel.relu(x, hiddenLayers: 1).ntk
        for i in 0..<20 {
            for j in 0..<20 {
                var c = 0.0
                for k in 0..<3 { c += x[i, k] * x[j, k] }
                c = i == j ? 1 : min(1, max(-1, c))   // acos is ill-conditioned at 1
                let phi = acos(c)
                XCTAssertEqual(h[i, j], c * (.pi - phi) / (2 * .pi), accuracy: Tolerance.exactAbs)
                XCTAssertEqual(theta[i, j], 2 * h[i, j] + (sin(phi) + (.pi - phi) * cos(phi)) / .pi,
                               accuracy: Tolerance.exactAbs)
            }
        }
    }
}

/// The vectorised C pass of the ReLU kernel (`_KernelSIMD`, AVX-512/AVX2/SSE2) returns the Swift
/// reference loop's bits: same operations, no fused multiply-adds.
final class VectorisedReLUKernelTests: XCTestCase {
    func testVectorisedPassEqualsSwiftReferenceBitForBit() {
        var rng = SeededGenerator(seed: 21)
        // 157 rows (not a multiple of any vector width; the 64-entry segments of the pass come
        // whole, so its 4×-interleaved vector loop runs, and ragged), with duplicated, antipodal,
        // scaled and zero rows so that ρ = ±1, ρ = 0 and the clipped discriminant all occur.
        var x = Gaussian.matrix(rows: 157, columns: 9, using: &rng)
        for j in 0..<9 {
            x[1, j] = x[0, j]; x[2, j] = -x[0, j]; x[3, j] = 3 * x[0, j]; x[4, j] = 0
        }
        let x2 = Gaussian.matrix(rows: 141, columns: 9, using: &rng)
        defer { RecursionSpec.vectorisedReLU = true }
        for depth in [1, 2, 4, 7] {
            for (w, b) in [(1.0, 0.1), (1.3, 0.0), (0.7, 0.5)] {
                let k = AnalyticKernel(depth: depth, activation: .relu, weightStd: w, biasStd: b)
                RecursionSpec.vectorisedReLU = false
                let ref = k(x), refCross = k(x, x2)
                RecursionSpec.vectorisedReLU = true
                XCTAssertGreaterThan(RecursionSpec.vectorBits, 64)
                let vec = k(x), vecCross = k(x, x2)
                XCTAssertEqual(vec.ntk.storage, ref.ntk.storage, "Θ, L=\(depth) σw=\(w) σb=\(b)")
                XCTAssertEqual(vec.nngp.storage, ref.nngp.storage, "Σ, L=\(depth) σw=\(w) σb=\(b)")
                XCTAssertEqual(vecCross.ntk.storage, refCross.ntk.storage, "cross Θ, L=\(depth)")
                XCTAssertEqual(vecCross.nngp.storage, refCross.nngp.storage, "cross Σ, L=\(depth)")
                // One kernel alone (one matrix in memory) gives the same bits, both paths.
                for vectorised in [false, true] {
                    RecursionSpec.vectorisedReLU = vectorised
                    XCTAssertEqual(k.ntk(x).storage, ref.ntk.storage, "Θ alone, L=\(depth) vectorised \(vectorised)")
                    var reused = Matrix(rows: 157, columns: 157) { _, _ in .nan }, wrongShape = Matrix(rows: 2, columns: 3)
                    k.ntk(x, into: &reused)
                    k.ntk(x, x2, into: &wrongShape)
                    XCTAssertEqual(reused.storage, ref.ntk.storage, "Θ into a matrix, L=\(depth)")
                    XCTAssertEqual(wrongShape.storage, refCross.ntk.storage, "Θ into a wrongly shaped matrix, L=\(depth)")
                    XCTAssertEqual(k.nngp(x).storage, ref.nngp.storage, "Σ alone, L=\(depth)")
                    XCTAssertEqual(k.ntk(x, x2).storage, refCross.ntk.storage, "cross Θ alone, L=\(depth)")
                    XCTAssertEqual(k.nngp(x, x2).storage, refCross.nngp.storage, "cross Σ alone, L=\(depth)")
                }
            }
        }
    }

    func testSingleKernelsEqualBothForErfAndIdentity() {
        var rng = SeededGenerator(seed: 22)
        let x = Gaussian.matrix(rows: 70, columns: 5, using: &rng), x2 = Gaussian.matrix(rows: 66, columns: 5, using: &rng)
        for act in [Activation.erf, .identity] {
            let k = AnalyticKernel(depth: 3, activation: act, weightStd: 1.2, biasStd: 0.3)
            let both = k(x), cross = k(x, x2)
            XCTAssertEqual(k.ntk(x).storage, both.ntk.storage, "\(act)")
            XCTAssertEqual(k.nngp(x).storage, both.nngp.storage, "\(act)")
            XCTAssertEqual(k.ntk(x, x2).storage, cross.ntk.storage, "\(act)")
            XCTAssertEqual(k.nngp(x, x2).storage, cross.nngp.storage, "\(act)")
        }
    }
}
