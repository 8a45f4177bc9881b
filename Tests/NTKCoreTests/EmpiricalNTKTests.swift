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

    /// docs/SPEC.md §4 claim 18 (Mohamadi et al. 2023): the pNTK ⊗ I_O approaches the full eNTK
    /// as width grows, relative Frobenius error ∝ n^−½. L = 3, ReLU, β = 0.1, O = 10, N = 16
    /// Gaussian inputs in d = 20, 5 seeds per width (the [V] setup).
    func testPNTKApproachesFullEmpiricalNTK() {
        var rng = SeededGenerator(seed: 18)
        let x = Gaussian.matrix(rows: 16, columns: 20, using: &rng)
        let o = 10, widths = [64, 256, 1024, 4096]
        var meanErrors = [Double]()
        for w in widths {
            var sum = 0.0
            for s in 0..<5 {
                let net = MLP(inputDimension: 20, width: w, depth: 3, outputs: o, beta: 0.1, seed: UInt64(1800 + 10 * w + s))
                let full = net.empiricalNTK(x, mode: .full), p = net.empiricalNTK(x, mode: .pntk)
                let kron = Matrix(rows: full.rows, columns: full.columns) { r, c in
                    r % o == c % o ? p[r / o, c / o] : 0
                }
                sum += relativeFrobeniusError(kron, full)
            }
            meanErrors.append(sum / 5)
        }
        let slope = logLogSlope(widths.map(Double.init), meanErrors)
        XCTAssertTrue(Tolerance.pntkSlope.contains(slope), "slope \(slope), errors \(meanErrors)")
        XCTAssertLessThan(meanErrors.last!, Tolerance.pntkErrorAt4096, "errors \(meanErrors)")
    }
}
