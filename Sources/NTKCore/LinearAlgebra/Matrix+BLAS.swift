import CBLAS

// Level-1/2/3 BLAS on row-major `Matrix` values (OpenBLAS through `cblas.h`).
// Every dense product in the project goes through these functions.

/// Which side of a product to transpose.
public enum Transpose: Sendable {
    case none, transpose
    @usableFromInline var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

extension Matrix {
    /// General matrix product, in place: `C ← α·op(A)·op(B) + β·C` (BLAS dgemm).
    ///
    /// - Complexity: O(m·n·k) flops, done by OpenBLAS.
    public static func gemm(_ a: Matrix, _ b: Matrix,
                            transA: Transpose = .none, transB: Transpose = .none,
                            alpha: Double = 1, beta: Double = 0, into c: inout Matrix) {
        let m = transA == .none ? a.rows : a.columns
        let k = transA == .none ? a.columns : a.rows
        let kb = transB == .none ? b.rows : b.columns
        let n = transB == .none ? b.columns : b.rows
        precondition(k == kb, "gemm: inner dimensions \(k) and \(kb) differ")
        precondition(c.rows == m && c.columns == n,
                     "gemm: output is \(c.rows)×\(c.columns), expected \(m)×\(n)")
        if m == 0 || n == 0 { return }
        if k == 0 { c.scale(by: beta); return }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    Double.gemm(transA, transB, m: m, n: n, k: k, alpha: alpha,
                                pa.baseAddress!, lda: a.columns, pb.baseAddress!, ldb: b.columns,
                                beta: beta, pc.baseAddress!, ldc: c.columns)
                }
            }
        }
    }

    /// `α·op(A)·op(B)` as a new matrix (BLAS dgemm).
    public static func product(_ a: Matrix, _ b: Matrix,
                               transA: Transpose = .none, transB: Transpose = .none,
                               alpha: Double = 1) -> Matrix {
        let m = transA == .none ? a.rows : a.columns
        let n = transB == .none ? b.columns : b.rows
        var c = Matrix(rows: m, columns: n)
        gemm(a, b, transA: transA, transB: transB, alpha: alpha, beta: 0, into: &c)
        return c
    }

    /// Symmetric rank-k update: `C ← α·A·Aᵀ + β·C` (`.none`) or `C ← α·Aᵀ·A + β·C`
    /// (`.transpose`) with BLAS dsyrk. BLAS writes one triangle; both are filled on return.
    ///
    /// - Complexity: about half the flops of the equivalent gemm.
    public static func syrk(_ a: Matrix, _ trans: Transpose = .none,
                            alpha: Double = 1, beta: Double = 0, into c: inout Matrix) {
        let n = trans == .none ? a.rows : a.columns
        let k = trans == .none ? a.columns : a.rows
        precondition(c.rows == n && c.columns == n, "syrk: output must be \(n)×\(n)")
        if n == 0 { return }
        // Aᵀ·A is formed from an explicit transpose, so that both cases take the blocked path.
        let rowsOf = trans == .none ? a : a.transposed
        rowsOf.storage.withUnsafeBufferPointer { pa in
            c.storage.withUnsafeMutableBufferPointer { pc in
                Double.syrkUpper(n: n, k: k, alpha: alpha, pa.baseAddress!, lda: Swift.max(1, rowsOf.columns),
                                 beta: beta, pc.baseAddress!, ldc: n)
            }
        }
        c.symmetrizeFromUpper()
    }

    /// `α·A·Aᵀ` (or `α·Aᵀ·A`) as a new symmetric matrix (BLAS dsyrk).
    public static func gram(_ a: Matrix, _ trans: Transpose = .none, alpha: Double = 1) -> Matrix {
        let n = trans == .none ? a.rows : a.columns
        var c = Matrix(rows: n, columns: n)
        syrk(a, trans, alpha: alpha, beta: 0, into: &c)
        return c
    }

    /// Copies the upper triangle onto the lower one.
    public mutating func symmetrizeFromUpper() {
        precondition(isSquare)
        let n = rows
        storage.withUnsafeMutableBufferPointer { p in
            for i in 0..<n { for j in 0..<i { p[i * n + j] = p[j * n + i] } }
        }
    }

    /// Matrix–vector product `y ← α·op(A)·x + β·y` (BLAS dgemv).
    public static func gemv(_ a: Matrix, _ trans: Transpose = .none, _ x: [Double],
                            alpha: Double = 1, beta: Double = 0, into y: inout [Double]) {
        let outLen = trans == .none ? a.rows : a.columns
        let inLen = trans == .none ? a.columns : a.rows
        precondition(x.count == inLen, "gemv: vector has \(x.count) entries, expected \(inLen)")
        precondition(y.count == outLen, "gemv: output has \(y.count) entries, expected \(outLen)")
        if outLen == 0 { return }
        if inLen == 0 { for i in y.indices { y[i] *= beta }; return }   // as gemm with k = 0
        a.storage.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    Double.gemv(trans, rows: a.rows, columns: a.columns, alpha: alpha, pa.baseAddress!,
                                px.baseAddress!, beta: beta, py.baseAddress!)
                }
            }
        }
    }

    /// `op(A)·x` as a new vector (BLAS dgemv).
    public func times(_ x: [Double], _ trans: Transpose = .none) -> [Double] {
        var y = [Double](repeating: 0, count: trans == .none ? rows : columns)
        Matrix.gemv(self, trans, x, into: &y)
        return y
    }

    /// `self ← self + α·x` (BLAS daxpy on the storage).
    public mutating func axpy(_ alpha: Double, _ x: Matrix) {
        precondition(rows == x.rows && columns == x.columns, "axpy: shapes differ")
        BLAS.axpy(alpha, x.storage, &storage)
    }

    /// `self ← α·self` (BLAS dscal).
    public mutating func scale(by alpha: Double) {
        BLAS.scal(alpha, &storage)
    }

    public static func + (l: Matrix, r: Matrix) -> Matrix { var c = l; c.axpy(1, r); return c }
    public static func - (l: Matrix, r: Matrix) -> Matrix { var c = l; c.axpy(-1, r); return c }
    public static func * (l: Matrix, r: Matrix) -> Matrix { product(l, r) }
    public static func * (s: Double, m: Matrix) -> Matrix { var c = m; c.scale(by: s); return c }

    /// Elementwise (Hadamard) product, in place.
    public mutating func multiplyElementwise(by other: Matrix) {
        precondition(rows == other.rows && columns == other.columns, "Hadamard: shapes differ")
        storage.withUnsafeMutableBufferPointer { p in
            other.storage.withUnsafeBufferPointer { q in
                for i in 0..<p.count { p[i] *= q[i] }
            }
        }
    }

    /// Adds `value` to every diagonal entry.
    public mutating func addToDiagonal(_ value: Double) {
        for i in 0..<Swift.min(rows, columns) { storage[i * columns + i] += value }
    }
}

/// Vector BLAS on `[Double]` and OpenBLAS's thread controls.
public enum BLAS {
    /// `y ← y + α·x` (daxpy).
    public static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        precondition(x.count == y.count, "axpy: lengths \(x.count) and \(y.count) differ")
        if x.isEmpty { return }
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                cblas_daxpy(Int32(px.count), alpha, px.baseAddress, 1, py.baseAddress, 1)
            }
        }
    }

    /// `x ← α·x` (dscal).
    public static func scal(_ alpha: Double, _ x: inout [Double]) {
        if x.isEmpty { return }
        x.withUnsafeMutableBufferPointer { p in
            cblas_dscal(Int32(p.count), alpha, p.baseAddress, 1)
        }
    }

    /// Dot product (ddot, on one thread: see `Parallel`).
    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "dot: lengths differ")
        if x.isEmpty { return 0 }
        Parallel.prepare()
        return x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                cblas_ddot(Int32(px.count), px.baseAddress, 1, py.baseAddress, 1)
            }
        }
    }

    /// Euclidean norm (dnrm2).
    public static func norm2(_ x: [Double]) -> Double {
        if x.isEmpty { return 0 }
        Parallel.prepare()
        return x.withUnsafeBufferPointer { cblas_dnrm2(Int32($0.count), $0.baseAddress, 1) }
    }

    /// Number of threads the project's products and loops use (`Parallel.workerCount`; OpenBLAS
    /// itself runs on one thread, see `Parallel`).
    public static var threadCount: Int { Parallel.workerCount }

    /// The most threads this OpenBLAS build can use (its MAX_THREADS; the core count if the
    /// build does not say). A larger request would be silently capped.
    public static var maxThreadCount: Int {
        let cfg = libraryDescription
        if let r = cfg.range(of: "MAX_THREADS=") {
            let digits = cfg[r.upperBound...].prefix(while: \.isNumber)
            if let v = Int(digits), v > 0 { return v }
        }
        return Swift.max(1, Int(openblas_get_num_procs()))
    }

    /// Sets the number of threads (`Parallel.workerCount`).
    public static func setThreadCount(_ n: Int) { Parallel.workerCount = n }

    /// OpenBLAS's build description (e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Haswell MAX_THREADS=64").
    public static var libraryDescription: String {
        guard let c = openblas_get_config() else { return "unknown BLAS" }
        var s = String(cString: c)
        if let core = openblas_get_corename() { s += " core=" + String(cString: core) }
        return s
    }
}
