import CBLAS
import Foundation
import _KernelSIMD

/// Infinite-width NNGP and NTK kernels of a fully connected network in the NTK parametrisation
/// (Jacot, Gabriel & Hongler 2018, Prop. 1 and Thm 1; docs/SPEC.md §1.3):
///
/// ```
/// Σ(1)(x,x')   = w²·x·x'/n0 + β²
/// Σ(ℓ+1)(x,x') = w²·E_{(u,v)~N(0,Λ(ℓ))}[σ(u)σ(v)] + β²
/// Σ̇(ℓ+1)(x,x') = w²·E_{(u,v)~N(0,Λ(ℓ))}[σ'(u)σ'(v)]
/// Θ(1) = Σ(1),   Θ(ℓ+1) = Θ(ℓ)·Σ̇(ℓ+1) + Σ(ℓ+1)
/// ```
///
/// with w² = σ_w²·1 in the paper and w² = σ_w²·(1 − β²) in the authors' code
/// (`Parametrization`), β = σ_b. σ_w, σ_b are neural-tangents' `W_std`, `b_std` with
/// `parameterization='ntk'` (the NNGP of Lee et al. 2018); the paper's β form is σ_w = 1, σ_b = β.
/// `depth` is L, the number of weight layers; the result is (Σ(L), Θ(L)).
///
/// Implementation: one gemm (dsyrk when X2 = X1) gives x·x'; then a single fused elementwise
/// pass runs all L−1 layers of the recursion per entry in registers, split over the cores by
/// rows of equal work (upper triangle only in the symmetric case, mirrored at the end).
/// Diagonal entries are taken from the exact diagonal recursion. Memory: the two N1×N2
/// output matrices only.
public struct AnalyticKernel: Sendable {
    /// L, the number of weight layers (≥ 1).
    public var depth: Int
    /// The hidden nonlinearity.
    public var activation: Activation
    /// Bias scale β = σ_b (neural-tangents' `b_std`).
    public var beta: Double
    /// Weight scale σ_w (neural-tangents' `W_std`); 1 in the paper.
    public var weightStd: Double
    /// Paper (w² = σ_w²) or authors'-code (w² = σ_w²·(1 − β²)) scaling.
    public var parametrization: Parametrization

    public init(depth: Int, activation: Activation = .relu, beta: Double = 0.1,
                parametrization: Parametrization = .paper) {
        self.init(depth: depth, activation: activation, weightStd: 1, biasStd: beta, parametrization: parametrization)
    }

    /// The σ_w/σ_b form: Σ(1) = σ_w²·x·x'/n0 + σ_b², Σ(ℓ+1) = σ_w²·E[σσ] + σ_b²,
    /// Σ̇ = σ_w²·E[σ'σ'] (neural-tangents `Dense(W_std=σ_w, b_std=σ_b, parameterization='ntk')`
    /// for every layer). `biasStd` is β.
    public init(depth: Int, activation: Activation = .relu, weightStd: Double, biasStd: Double,
                parametrization: Parametrization = .paper) {
        precondition(depth >= 1, "depth must be at least 1")
        self.depth = depth
        self.activation = activation
        self.beta = biasStd
        self.weightStd = weightStd
        self.parametrization = parametrization
    }

    /// σ_b, the same number as `beta`.
    public var biasStd: Double { beta }

    var spec: RecursionSpec {
        let w2 = weightStd * weightStd * parametrization.weightVariance(beta: beta)
        return RecursionSpec(inputScale: w2, inputDivideByDimension: true, w2: w2, b2: beta * beta, steps: depth - 1)
    }

    /// (Σ(L), Θ(L)) on X1 (N1×d) against X2 (N2×d); `x2 == nil` means X2 = X1 (symmetric,
    /// half the work).
    ///
    /// - Complexity: N1·N2·d flops (gemm) plus N1·N2·(L−1) closed-form evaluations.
    public func callAsFunction(_ x1: Matrix, _ x2: Matrix? = nil) -> Kernel {
        spec.evaluate(activation, x1, x2)
    }

    /// Θ(L) alone: the same numbers as `callAsFunction(_:_:).ntk`, with one N1×N2 matrix in
    /// memory instead of two.
    public func ntk(_ x1: Matrix, _ x2: Matrix? = nil) -> Matrix {
        spec.evaluate(activation, x1, x2, outputs: .ntk).ntk!
    }

    /// Θ(L) alone, written into `result`, whose storage is reused when it already has the
    /// N1×N2 shape (as BLAS writes into a given C): no fresh pages to fault in, which on this
    /// machine costs 0.17–0.21 s per 800 MB on two threads (README, "Against the hardware").
    public func ntk(_ x1: Matrix, _ x2: Matrix? = nil, into result: inout Matrix) {
        result = spec.evaluate(activation, x1, x2, outputs: .ntk, reusing: &result).ntk!
    }

    /// The kernels in `outputs` (the others nil): the same numbers as `callAsFunction(_:_:)`,
    /// with one N1×N2 matrix per kernel asked for.
    public func callAsFunction(_ x1: Matrix, _ x2: Matrix? = nil, outputs: KernelOutputs) -> (nngp: Matrix?, ntk: Matrix?) {
        spec.evaluate(activation, x1, x2, outputs: outputs)
    }

    /// Σ(L) alone: the same numbers as `callAsFunction(_:_:).nngp`, with one matrix in memory.
    public func nngp(_ x1: Matrix, _ x2: Matrix? = nil) -> Matrix {
        spec.evaluate(activation, x1, x2, outputs: .nngp).nngp!
    }

    /// The vector width, in bits, of the ReLU elementwise pass on this CPU (512 AVX-512, 256
    /// AVX2, 128 SSE2; see `_KernelSIMD`).
    public static var vectorBits: Int { RecursionSpec.vectorBits }

    /// The exact diagonals (Σ(L)(x,x), Θ(L)(x,x)) for each row x of `x`.
    public func diagonal(_ x: Matrix) -> (nngp: [Double], ntk: [Double]) {
        spec.diagonal(activation, x)
    }
}

/// The shared recursion of `AnalyticKernel`, `ADHKernel` (different scalings) and the Arora H∞.
struct RecursionSpec: Sendable {
    /// Whether the ReLU pass runs the vectorised C kernel (`_KernelSIMD`) rather than the Swift
    /// loop below; both give the same bits. Tests switch it off to compare.
    nonisolated(unsafe) static var vectorisedReLU = true
    /// The vector width the ReLU pass runs at (512, 256 or 128 bits), for benchmarks and records.
    static var vectorBits: Int { vectorisedReLU ? Int(ntk_relu_segment_vector_bits()) : 64 }

    /// Σ(first) = inputScale·x·x' (/ d when `inputDivideByDimension`) + b2.
    var inputScale: Double
    var inputDivideByDimension: Bool
    /// Σ(next) = w2·E[σσ] + b2, Σ̇ = w2·E[σ'σ'].
    var w2: Double
    var b2: Double
    /// Number of nonlinear layers applied after the first Σ.
    var steps: Int

    func firstLayer(_ x: Matrix) -> [Double] {
        let scale = inputScale / (inputDivideByDimension ? Double(x.columns) : 1)
        return (0..<x.rows).map { i in
            var s = 0.0
            for k in 0..<x.columns { let v = x[i, k]; s += v * v }
            return scale * s + b2
        }
    }

    /// Diagonals per layer: d[l][i] for l = 0…steps, and the NTK diagonal.
    func diagonals(_ activation: Activation, _ x: Matrix) -> (sigma: [[Double]], theta: [Double]) {
        var d = [firstLayer(x)]
        var theta = d[0]
        for _ in 0..<steps {
            let prev = d[d.count - 1]
            var next = prev
            for i in 0..<prev.count {
                let (e, ed) = GaussianExpectation.diagonal(activation, a: prev[i])
                next[i] = w2 * e + b2
                theta[i] = theta[i] * (w2 * ed) + next[i]
            }
            d.append(next)
        }
        return (d, theta)
    }

    func diagonal(_ activation: Activation, _ x: Matrix) -> (nngp: [Double], ntk: [Double]) {
        let (d, t) = diagonals(activation, x)
        return (d[d.count - 1], t)
    }

    func evaluate(_ activation: Activation, _ x1: Matrix, _ x2: Matrix?, outputs: KernelOutputs = .both) -> (nngp: Matrix?, ntk: Matrix?) {
        var none = Matrix(rows: 0, columns: 0)
        return evaluate(activation, x1, x2, outputs: outputs, reusing: &none)
    }

    func evaluate(_ activation: Activation, _ x1: Matrix, _ x2: Matrix?, outputs: KernelOutputs,
                  reusing reuse: inout Matrix) -> (nngp: Matrix?, ntk: Matrix?) {
        switch activation {
        case .relu: return evaluate(ReLUDual.self, activation, x1, x2, outputs: outputs, reusing: &reuse)
        case .erf: return evaluate(ErfDual.self, activation, x1, x2, outputs: outputs, reusing: &reuse)
        case .identity: return evaluate(IdentityDual.self, activation, x1, x2, outputs: outputs, reusing: &reuse)
        }
    }

    func evaluate(_ activation: Activation, _ x1: Matrix, _ x2: Matrix?) -> Kernel {
        let k = evaluate(activation, x1, x2, outputs: .both)
        return Kernel(nngp: k.nngp!, ntk: k.ntk!)
    }

    /// An n1×n2 matrix whose storage is left uninitialised (every entry is written later).
    static func uninitialized(_ n1: Int, _ n2: Int) -> Matrix {
        let s = [Double](unsafeUninitializedCapacity: n1 * n2) { _, count in count = n1 * n2 }
        return Matrix(rows: n1, columns: n2, storage: s)
    }

    func evaluate<D: DualActivation>(_ dual: D.Type, _ activation: Activation, _ x1: Matrix, _ x2: Matrix?,
                                     outputs: KernelOutputs = .both,
                                     reusing reuse: inout Matrix) -> (nngp: Matrix?, ntk: Matrix?) {
        if let x2 { precondition(x1.columns == x2.columns, "inputs have \(x1.columns) and \(x2.columns) columns") }
        let symmetric = x2 == nil
        let n1 = x1.rows, n2 = x2?.rows ?? x1.rows, d = x1.columns
        let diag1 = diagonals(activation, x1)
        let diag2 = x2.map { diagonals(activation, $0) } ?? diag1
        // Prepared diagonals for layers 0…steps−1, flattened layer-major.
        let steps = self.steps
        var prep1 = [Double](), prep2 = [Double]()
        for l in 0..<steps {
            prep1 += diag1.sigma[l].map { D.prepare($0) }
            prep2 += diag2.sigma[l].map { D.prepare($0) }
        }
        // Only the kernels asked for are stored: one N1×N2 matrix instead of two halves the
        // memory, the page faults of fresh memory and the traffic. The product (inputScale/d)·X1X2ᵀ
        // goes into the first kept matrix (upper triangle only when symmetric); the working Σ of
        // a kernel that is not kept lives in a 64-entry scratch row.
        let keepS = outputs != .ntk, keepT = outputs != .nngp
        // `reuse`, when it has the right shape, becomes the storage of the single output asked
        // for (moved, so written in place: no fresh pages to fault in).
        var given = Matrix(rows: 0, columns: 0)
        if outputs != .both && reuse.rows == n1 && reuse.columns == n2 { swap(&given, &reuse) }
        func storage() -> Matrix {
            if given.rows == n1 && given.columns == n2 {
                var m = Matrix(rows: 0, columns: 0)
                swap(&m, &given)
                return m
            }
            return RecursionSpec.uninitialized(n1, n2)
        }
        var sMat = keepS ? storage() : Matrix(rows: 0, columns: 0)
        var tMat = keepT ? storage() : Matrix(rows: 0, columns: 0)
        let alpha = inputScale / (inputDivideByDimension ? Double(d) : 1)
        func formProduct(_ p: inout Matrix) {
            guard n1 > 0 && n2 > 0 else { return }
            if d == 0 {
                for k in 0..<(n1 * n2) { p.storage[k] = 0 }
            } else if let x2 {
                Matrix.gemm(x1, x2, transB: .transpose, alpha: alpha, beta: 0, into: &p)
            } else {
                x1.storage.withUnsafeBufferPointer { px in
                    p.storage.withUnsafeMutableBufferPointer { pp in
                        Double.syrkUpper(n: n1, k: d, alpha: alpha, px.baseAddress!, lda: d, beta: 0,
                                         pp.baseAddress!, ldc: n1)
                    }
                }
            }
        }
        if keepS { formProduct(&sMat) } else { formProduct(&tMat) }
        let b2 = self.b2, w2 = self.w2
        let vectorised = D.self == ReLUDual.self && RecursionSpec.vectorisedReLU
        // Work items: general case, plain row ranges; symmetric case, 64-row block-rows of the
        // upper triangle processed tile by tile, each tile also written to its mirror image
        // (the transpose stays in cache, so no separate mirroring pass).
        let tile = 64
        let items = symmetric
            ? ParallelRows.partition((n1 + tile - 1) / tile, chunks: 8 * ParallelRows.workers) { Double((n1 + tile - 1) / tile - $0) }
            : ParallelRows.partition(n1, chunks: 8 * ParallelRows.workers) { _ in 1 }
        sMat.storage.withUnsafeMutableBufferPointer { ps in
            tMat.storage.withUnsafeMutableBufferPointer { pt in
                prep1.withUnsafeBufferPointer { pp1 in
                    prep2.withUnsafeBufferPointer { pp2 in
                        let sp = keepS ? SendablePointer(ps.baseAddress!) : nil
                        let tp = keepT ? SendablePointer(pt.baseAddress!) : nil
                        let q1 = SendablePointer(pp1)
                        let q2 = SendablePointer(pp2)
                        // Runs the fused recursion on row i, columns j0..<j1 (at most `tile`);
                        // optionally mirrors. Layer-outer, column-inner: the entries of one layer
                        // are independent, so their sqrt/divisions overlap.
                        @Sendable @inline(__always)
                        func segment(_ i: Int, _ j0: Int, _ j1: Int, mirror: Bool) {
                            guard j0 < j1 else { return }
                            withUnsafeTemporaryAllocation(of: Double.self, capacity: tile) { scratch in
                                let count = j1 - j0
                                let s: UnsafeMutablePointer<Double>, t: UnsafeMutablePointer<Double>
                                if let sp { s = sp.base + i * n2 + j0 } else {
                                    s = scratch.baseAddress!
                                    s.update(from: tp!.base + i * n2 + j0, count: count)   // the product
                                }
                                t = tp.map { $0.base + i * n2 + j0 } ?? scratch.baseAddress!
                                let a = q1.base + i, b = q2.base + j0
                                if vectorised {
                                    // The same operations in C, vectorised (bit-identical, tested).
                                    ntk_relu_segment(Int64(steps), a, Int64(n1), b, Int64(n2), s, t, Int64(count), w2, b2)
                                } else {
                                    for j in 0..<count { let v = s[j] + b2; s[j] = v; t[j] = v }
                                    var l = 0
                                    while l < steps {
                                        let al = a[l * n1], bl = b + l * n2
                                        for j in 0..<count {
                                            let (e, ed) = D.dual(al, bl[j], s[j])
                                            let sv = w2 * e + b2
                                            s[j] = sv
                                            t[j] = t[j] * (w2 * ed) + sv
                                        }
                                        l += 1
                                    }
                                }
                                if mirror {
                                    if let sp { for j in 0..<count { sp.base[(j0 + j) * n2 + i] = s[j] } }
                                    if let tp { for j in 0..<count { tp.base[(j0 + j) * n2 + i] = t[j] } }
                                }
                            }
                        }
                        if symmetric {
                            let last = diag1.sigma[steps], thetaDiag = diag1.theta
                            ParallelRows.forEach(items) { blocks in
                                for bi in blocks {
                                    let i0 = bi * tile, i1 = Swift.min(n1, i0 + tile)
                                    var j0 = i0
                                    while j0 < n1 {
                                        let j1 = Swift.min(n1, j0 + tile)
                                        for i in i0..<i1 { segment(i, Swift.max(j0, i + 1), j1, mirror: true) }
                                        j0 = j1
                                    }
                                    for i in i0..<i1 {                   // exact diagonal
                                        sp?.base[i * n1 + i] = last[i]
                                        tp?.base[i * n1 + i] = thetaDiag[i]
                                    }
                                }
                            }
                        } else {
                            ParallelRows.forEach(items) { rows in
                                for i in rows {
                                    var j0 = 0
                                    while j0 < n2 { segment(i, j0, Swift.min(n2, j0 + tile), mirror: false); j0 += tile }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (keepS ? sMat : nil, keepT ? tMat : nil)
    }
}

/// Which infinite-width kernels to compute: each one kept costs an N1×N2 matrix.
public enum KernelOutputs: Sendable {
    case both, nngp, ntk
}
