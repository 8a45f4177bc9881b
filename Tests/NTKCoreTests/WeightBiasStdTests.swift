import Foundation
import XCTest
@testable import NTKCore

/// The σ_w/σ_b parametrisation (neural-tangents' W_std/b_std, parameterization='ntk'; the
/// NNGP of Lee et al. 2018): Σ(1) = σ_w²·x·x'/n0 + σ_b², Σ(ℓ+1) = σ_w²·E[σσ] + σ_b²,
/// Σ̇ = σ_w²·E[σ'σ'], Θ(ℓ+1) = Θ(ℓ)·Σ̇ + Σ(ℓ+1).
final class WeightBiasStdTests: XCTestCase {
    /// The β form is σ_w = 1, σ_b = β: the same bits, symmetric and cross, every activation.
    func testBetaFormIsBitwiseTheUnitWeightStd() {
        var rng = SeededGenerator(seed: 11)
        let x1 = Gaussian.matrix(rows: 9, columns: 5, using: &rng)
        let x2 = Gaussian.matrix(rows: 4, columns: 5, using: &rng)
        for act in Activation.allCases {
            for param in Parametrization.allCases {
                let a = AnalyticKernel(depth: 4, activation: act, beta: 0.3, parametrization: param)
                let b = AnalyticKernel(depth: 4, activation: act, weightStd: 1, biasStd: 0.3, parametrization: param)
                for (ka, kb) in [(a(x1), b(x1)), (a(x1, x2), b(x1, x2))] {
                    XCTAssertEqual(ka.ntk.storage.map(\.bitPattern), kb.ntk.storage.map(\.bitPattern), "\(act) \(param) ntk")
                    XCTAssertEqual(ka.nngp.storage.map(\.bitPattern), kb.nngp.storage.map(\.bitPattern), "\(act) \(param) nngp")
                }
            }
        }
        var r1 = SeededGenerator(seed: 5), r2 = SeededGenerator(seed: 5)
        let n1 = MLP(widths: [5, 16, 16, 2], beta: 0.3, using: &r1)
        let n2 = MLP(widths: [5, 16, 16, 2], beta: 0.3, weightStd: 1, using: &r2)
        XCTAssertEqual(n1.empiricalNTK(x1).storage.map(\.bitPattern), n2.empiricalNTK(x1).storage.map(\.bitPattern))
    }

    /// The closed-form ReLU (arc-cosine) and identity expectations written out here, and
    /// Gauss–Hermite quadrature for erf, run through the layer recursion entry by entry with
    /// σ_w = 1.4, σ_b = 0.3: an independent computation of both kernels.
    func testWeightStdAgainstHandRecursion() throws {
        let sw = 1.4, sb = 0.3, depth = 4
        var rng = SeededGenerator(seed: 2)
        let x = Gaussian.matrix(rows: 5, columns: 3, using: &rng)
        // Degree 240: with σ_w = 1.4 the variances reach ≈ 3, and erf'(u)erf'(v) = (4/π)e^{−u²−v²}
        // is then a narrow Gaussian in the quadrature's variable (degree 80 leaves 4e−6).
        let gh = try GaussHermite(degree: 240)
        func expect(_ act: Activation, _ a: Double, _ b: Double, _ c: Double) -> (Double, Double) {
            switch act {
            case .identity: return (c, 1)
            case .relu:
                let r = (a * b).squareRoot()
                let th = Foundation.acos(Swift.min(1, Swift.max(-1, c / r)))
                return (r * (Foundation.sin(th) + (Double.pi - th) * Foundation.cos(th)) / (2 * Double.pi),
                        (Double.pi - th) / (2 * Double.pi))
            case .erf:
                return (gh.expectation(a: a, b: b, c: c) { Foundation.erf($0) * Foundation.erf($1) },
                        gh.expectation(a: a, b: b, c: c) { Activation.erf.derivative($0) * Activation.erf.derivative($1) })
            }
        }
        for act in Activation.allCases {
            let k = AnalyticKernel(depth: depth, activation: act, weightStd: sw, biasStd: sb)(x)
            for i in 0..<x.rows {
                for j in 0..<x.rows {
                    func dot(_ p: Int, _ q: Int) -> Double { (0..<3).reduce(0) { $0 + x[p, $1] * x[q, $1] } }
                    var q11 = sw * sw * dot(i, i) / 3 + sb * sb
                    var q22 = sw * sw * dot(j, j) / 3 + sb * sb
                    var q12 = sw * sw * dot(i, j) / 3 + sb * sb
                    var theta = q12
                    for _ in 1..<depth {
                        let (e, ed) = expect(act, q11, q22, q12)
                        let e11 = expect(act, q11, q11, q11).0, e22 = expect(act, q22, q22, q22).0
                        q12 = sw * sw * e + sb * sb
                        theta = theta * sw * sw * ed + q12
                        q11 = sw * sw * e11 + sb * sb
                        q22 = sw * sw * e22 + sb * sb
                    }
                    let tol = act == .erf ? Tolerance.quadratureSmoothRel : Tolerance.float64Rel * 100
                    XCTAssertEqual(k.nngp[i, j], q12, accuracy: tol * abs(q12), "\(act) nngp \(i),\(j)")
                    XCTAssertEqual(k.ntk[i, j], theta, accuracy: tol * abs(theta), "\(act) ntk \(i),\(j)")
                }
            }
        }
    }

    /// The empirical NTK with σ_w ≠ 1 is J·Jᵀ of the network that uses σ_w in its forward pass
    /// (the explicit Jacobian is built from vector–Jacobian products, one per output).
    func testEmpiricalNTKWithWeightStdEqualsExplicitJacobian() {
        var rng = SeededGenerator(seed: 21)
        let x = Gaussian.matrix(rows: 4, columns: 3, using: &rng)
        var r = SeededGenerator(seed: 7)
        let net = MLP(widths: [3, 32, 32, 2], activation: .erf, beta: 0.2, weightStd: 1.7, using: &r)
        let pass = net.forwardPass(x)
        var rows = [[Double]]()
        for i in 0..<x.rows {
            for o in 0..<2 {
                var g = Matrix(rows: x.rows, columns: 2)
                g[i, o] = 1
                rows.append(net.vjp(pass, cotangent: g).flattened)
            }
        }
        let j = Matrix(rows)
        assertCloseMatrices(net.empiricalNTK(x, mode: .full), Matrix.product(j, j, transB: .transpose),
                            relative: Tolerance.jacobianRel, "σ_w = 1.7")
        // And the forward pass really uses σ_w: depth 1 is σ_w²·x·x'/n0 + σ_b² at any width.
        var r1 = SeededGenerator(seed: 3)
        let lin = MLP(widths: [3, 1], beta: 0.2, weightStd: 1.7, using: &r1)
        let k = lin.empiricalNTK(x)
        let e = AnalyticKernel(depth: 1, weightStd: 1.7, biasStd: 0.2)(x).ntk
        assertCloseMatrices(k, e, relative: Tolerance.depthOneRel, "depth 1")
    }
}
