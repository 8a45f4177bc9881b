import Foundation
import XCTest
@testable import NTKCore

final class EmpiricalNTKTests: XCTestCase {
    /// The explicit Jacobian of the outputs, (N·O)×P, row i·O+o = ∂f_o(x_i)/∂θ, one backprop
    /// per row with a unit cotangent.
    func jacobian(_ net: MLP, _ x: Matrix) -> Matrix {
        let o = net.outputDimension
        let pass = net.forwardPass(x)
        var rows = [[Double]]()
        for i in 0..<x.rows {
            for k in 0..<o {
                var g = Matrix(rows: x.rows, columns: o)
                g[i, k] = 1
                rows.append(net.vjp(pass, cotangent: g).flattened)
            }
        }
        return Matrix(rows)
    }

    /// docs/SPEC.md §4 claim 5: the layerwise formula equals J·Jᵀ (width 64), for the full,
    /// trace and pNTK views, symmetric and cross kernels, every activation and both scalings.
    func testLayerwiseFormulaEqualsExplicitJacobian() {
        var rng = SeededGenerator(seed: 21)
        let x1 = Gaussian.matrix(rows: 5, columns: 4, using: &rng)
        let x2 = Gaussian.matrix(rows: 3, columns: 4, using: &rng)
        for act in Activation.allCases {
            for param in Parametrization.allCases {
                var r = SeededGenerator(seed: 7)
                let net = MLP(widths: [4, 64, 64, 3], activation: act, beta: 0.1, parametrization: param, using: &r)
                let j1 = jacobian(net, x1), j2 = jacobian(net, x2)
                let full = Matrix.product(j1, j1, transB: .transpose)
                let cross = Matrix.product(j1, j2, transB: .transpose)
                assertCloseMatrices(net.empiricalNTK(x1, mode: .full), full, relative: Tolerance.jacobianRel, "\(act) \(param) full")
                assertCloseMatrices(net.empiricalNTK(x1, x2, mode: .full), cross, relative: Tolerance.jacobianRel, "\(act) \(param) cross")
                // Trace and pNTK from the explicit full kernel.
                let o = 3
                func reduce(_ k: Matrix, _ n1: Int, _ n2: Int, trace: Bool) -> Matrix {
                    Matrix(rows: n1, columns: n2) { i, j in
                        var s = 0.0
                        for a in 0..<o { for b in 0..<o where !trace || a == b { s += k[i * o + a, j * o + b] } }
                        return trace ? s : s / Double(o)
                    }
                }
                assertCloseMatrices(net.empiricalNTK(x1, mode: .trace), reduce(full, 5, 5, trace: true), relative: Tolerance.jacobianRel, "trace")
                assertCloseMatrices(net.empiricalNTK(x1, x2, mode: .trace), reduce(cross, 5, 3, trace: true), relative: Tolerance.jacobianRel, "trace cross")
                assertCloseMatrices(net.empiricalNTK(x1, mode: .pntk), reduce(full, 5, 5, trace: false), relative: Tolerance.jacobianRel, "pntk")
                assertCloseMatrices(net.empiricalNTK(x1, x2, mode: .pntk), reduce(cross, 5, 3, trace: false), relative: Tolerance.jacobianRel, "pntk cross")
            }
        }
    }

    /// docs/SPEC.md §4 claim 4 / §1.6: with L = 1 the NTK is x·x'/n0 + β² at any width and seed.
    func testDepthOneNTKIsDeterministic() {
        var rng = SeededGenerator(seed: 2)
        let x = Gaussian.matrix(rows: 6, columns: 5, using: &rng)
        for param in Parametrization.allCases {
            let limit = AnalyticKernel(depth: 1, beta: 0.1, parametrization: param)(x).ntk
            for seed in [UInt64(1), 2, 3] {
                let net = MLP(inputDimension: 5, width: 1, depth: 1, outputs: 1, parametrization: param, seed: seed)
                assertCloseMatrices(net.empiricalNTK(x), limit, relative: Tolerance.depthOneRel, "seed \(seed)")
            }
        }
    }

    /// Claim 6 at width 2048: the mean of 10 empirical NTKs on circle points is within
    /// ≈5 standard errors of Θ∞(4).
    func testMeanOfEmpiricalNTKsApproachesAnalytic() {
        let x = circlePoints([0, .pi / 4, .pi / 2, .pi])
        let limit = AnalyticKernel(depth: 4, beta: 0.1)(x).ntk
        var mean = Matrix(rows: 4, columns: 4)
        let seeds = 10
        for s in 0..<seeds {
            let net = MLP(inputDimension: 2, width: 2048, depth: 4, outputs: 1, seed: UInt64(100 + s))
            mean.axpy(1 / Double(seeds), net.empiricalNTK(x))
        }
        XCTAssertLessThan((mean - limit).maxAbs, Tolerance.meanEmpiricalAbs,
                          "mean empirical \(mean.diagonal) vs limit \(limit.diagonal)")
    }

    /// The seed-to-seed spread of Θ(x0, x0) shrinks like n^−½ (docs/SPEC.md §2a): 16× the width
    /// gives 4× less spread. With 24 seeds per width the sample sd has a relative SE ≈ 15%, so
    /// the ratio lies in [2.5, 6.4] (≈ 3 SE either side of 4). Fails if networks ignore their seed
    /// (ratio undefined: sd 0) or if the 1/√n weight scaling is wrong (ratio 1 or 16).
    func testSeedSpreadShrinksLikeInverseSqrtWidth() {
        let x0 = circlePoints([0])
        func sd(width: Int) -> Double {
            let v = (0..<24).map { s in
                MLP(inputDimension: 2, width: width, depth: 4, outputs: 1, seed: UInt64(500 + s)).empiricalNTK(x0)[0, 0]
            }
            return meanAndSD(v).sd
        }
        let ratio = sd(width: 64) / sd(width: 1024)
        XCTAssertGreaterThan(ratio, 2.5, "spread ratio n=64 / n=1024 = \(ratio), expected ≈ 4")
        XCTAssertLessThan(ratio, 6.4, "spread ratio n=64 / n=1024 = \(ratio), expected ≈ 4")
    }

    /// The standard-parametrisation eNTK (docs/SPEC.md §3.3) against an explicit Jacobian of an
    /// independently written SP network: f(x) = W_SP(2)·σ(W_SP(1)·σ(W_SP(0)x + b_SP(0)) + b_SP(1)) + b_SP(2)
    /// with W_SP = s_ℓ·W and b_SP = β·b, differentiated by central finite differences in its own
    /// parameters. Also checked: the same network function as the MLP, and the Jacobian of the
    /// NTK parametrisation with columns rescaled by 1/s_ℓ (weights) and 1/β (biases).
    func testStandardParametrisationEqualsExplicitJacobian() {
        var rng = SeededGenerator(seed: 33)
        let x1 = Gaussian.matrix(rows: 4, columns: 5, using: &rng)
        let x2 = Gaussian.matrix(rows: 3, columns: 5, using: &rng)
        for param in Parametrization.allCases {
            var r = SeededGenerator(seed: 9)
            let net = MLP(widths: [5, 16, 24, 3], activation: .erf, beta: 0.1, parametrization: param, using: &r)
            // The SP parameters, flattened in MLP order (W(ℓ) row-major, then b(ℓ)).
            var theta = [Double]()
            for l in 0..<net.depth {
                theta += net.weights[l].storage.map { net.weightScale(l) * $0 }
                theta += net.biases[l].map { net.beta * $0 }
            }
            func forwardSP(_ p: [Double], _ x: [Double]) -> [Double] {
                var a = x, offset = 0
                for l in 0..<net.depth {
                    let nIn = net.widths[l], nOut = net.widths[l + 1]
                    var z = [Double](repeating: 0, count: nOut)
                    for i in 0..<nOut {
                        var acc = p[offset + nIn * nOut + i]
                        for j in 0..<nIn { acc += p[offset + i * nIn + j] * a[j] }
                        z[i] = acc
                    }
                    offset += nIn * nOut + nOut
                    a = l + 1 < net.depth ? z.map { net.activation($0) } : z
                }
                return a
            }
            func jacobianSP(_ x: Matrix) -> Matrix {
                let h = 1e-6
                var rows = [[Double]](repeating: [Double](repeating: 0, count: theta.count), count: x.rows * 3)
                for p in 0..<theta.count {
                    var up = theta, down = theta
                    up[p] += h
                    down[p] -= h
                    for i in 0..<x.rows {
                        let fu = forwardSP(up, x.row(i)), fd = forwardSP(down, x.row(i))
                        for k in 0..<3 { rows[i * 3 + k][p] = (fu[k] - fd[k]) / (2 * h) }
                    }
                }
                return Matrix(rows)
            }
            // Same function as the NTK-parametrised MLP.
            let f = net(x1)
            for i in 0..<x1.rows {
                let g = forwardSP(theta, x1.row(i))
                for k in 0..<3 { XCTAssertEqual(g[k], f[i, k], accuracy: Tolerance.float64Rel, "\(param) SP forward") }
            }
            let j1 = jacobianSP(x1), j2 = jacobianSP(x2)
            assertCloseMatrices(net.empiricalNTK(x1, mode: .full, parametrization: .standard),
                                Matrix.product(j1, j1, transB: .transpose), relative: Tolerance.finiteDifferenceRel, "\(param) SP full")
            assertCloseMatrices(net.empiricalNTK(x1, x2, mode: .full, parametrization: .standard),
                                Matrix.product(j1, j2, transB: .transpose), relative: Tolerance.finiteDifferenceRel, "\(param) SP cross")
            // Chain rule on the exact NTK-parametrisation Jacobian: column p divided by ∂θ_SP/∂θ.
            var jn = jacobian(net, x1)
            var column = 0
            for l in 0..<net.depth {
                for _ in 0..<net.weights[l].storage.count {
                    for row in 0..<jn.rows { jn[row, column] /= net.weightScale(l) }
                    column += 1
                }
                for _ in 0..<net.biases[l].count {
                    for row in 0..<jn.rows { jn[row, column] /= net.beta }
                    column += 1
                }
            }
            let sp = net.empiricalNTK(x1, mode: .full, parametrization: .standard)
            assertCloseMatrices(sp, Matrix.product(jn, jn, transB: .transpose), relative: Tolerance.jacobianRel, "\(param) SP chain rule")
            // The pNTK in SP is (1/O)·1ᵀΘ_SP1.
            let pntk = net.empiricalNTK(x1, mode: .pntk, parametrization: .standard)
            let reduced = Matrix(rows: 4, columns: 4) { i, j in
                (0..<3).reduce(0.0) { s, a in (0..<3).reduce(s) { $0 + sp[i * 3 + a, j * 3 + $1] } } / 3
            }
            assertCloseMatrices(pntk, reduced, relative: Tolerance.jacobianRel, "\(param) SP pNTK")
        }
    }

    /// `PNTKComparison` against sums written out over the (input, output) blocks of a real
    /// network's kernels: zero difference for an exact Kronecker product, and the block RMS,
    /// Frobenius error and eigenvalues of a 3-output network.
    func testPNTKComparisonByHand() throws {
        var rng = SeededGenerator(seed: 18)
        let x = Gaussian.matrix(rows: 6, columns: 4, using: &rng)
        let o = 3
        let net = MLP(inputDimension: 4, width: 32, depth: 3, outputs: o, beta: 0.1, seed: 5)
        let full = net.empiricalNTK(x, mode: .full), p = net.empiricalNTK(x, mode: .pntk)
        let kron = PNTKComparison.kroneckerIdentity(p, outputs: o)
        let exact = try PNTKComparison(full: kron, pntk: p, outputs: o)
        XCTAssertEqual(exact.relativeFrobeniusError, 0)
        XCTAssertEqual(exact.differenceDiagonalRMS, 0)
        XCTAssertEqual(exact.differenceOffDiagonalRMS, 0)
        XCTAssertEqual(exact.lambdaMaxFull, exact.lambdaMaxPNTK, accuracy: Tolerance.float64Rel * exact.lambdaMaxPNTK)

        let c = try PNTKComparison(full: full, pntk: p, outputs: o)
        var diag = 0.0, off = 0.0, kernelDiag = 0.0, total = 0.0, norm = 0.0
        for i in 0..<6 { for j in 0..<6 { for a in 0..<o { for b in 0..<o {
            let t = full[i * o + a, j * o + b], d = a == b ? t - p[i, j] : t
            if a == b { diag += d * d; kernelDiag += t * t } else { off += d * d }
            total += d * d
            norm += t * t
        } } } }
        XCTAssertEqual(c.differenceDiagonalRMS, (diag / Double(36 * o)).squareRoot(), accuracy: Tolerance.float64Rel * c.differenceDiagonalRMS)
        XCTAssertEqual(c.differenceOffDiagonalRMS, (off / Double(36 * o * (o - 1))).squareRoot(), accuracy: Tolerance.float64Rel * c.differenceOffDiagonalRMS)
        XCTAssertEqual(c.kernelDiagonalRMS, (kernelDiag / Double(36 * o)).squareRoot(), accuracy: Tolerance.float64Rel * c.kernelDiagonalRMS)
        XCTAssertEqual(c.relativeFrobeniusError, (total / norm).squareRoot(), accuracy: Tolerance.float64Rel * c.relativeFrobeniusError)
        XCTAssertEqual(c.lambdaMaxFull, try full.symmetricEigenvalues().last!, accuracy: Tolerance.float64Rel * c.lambdaMaxFull)
        XCTAssertEqual(c.lambdaMaxPNTK, try p.symmetricEigenvalues().last!, accuracy: Tolerance.float64Rel * c.lambdaMaxPNTK)
        XCTAssertGreaterThan(c.relativeFrobeniusError, 0)
        // Weyl's inequality, which claim 18a checks on every network of fig7.
        XCTAssertLessThanOrEqual(abs(c.lambdaMaxFull - c.lambdaMaxPNTK), c.differenceSpectralNorm * (1 + Tolerance.float64Rel))
    }
}
