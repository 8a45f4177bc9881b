import CLAPACKE

// LAPACK through LAPACKE (linked to OpenBLAS's LAPACK on Debian). Symmetric matrices are
// passed as LAPACK_COL_MAJOR: a symmetric row-major matrix is the same matrix in column-major,
// so no transposed copy is made. Every `info` code becomes a `LinearAlgebraError`.

/// A Cholesky factorisation A = L·Lᵀ of a symmetric positive-definite matrix (dpotrf),
/// kept so that many right-hand sides can be solved later (dpotrs).
public struct Cholesky: Sendable {
    /// Order of the factorised matrix.
    public let order: Int
    /// LAPACK's factor in column-major "lower" form (= row-major upper Lᵀ).
    @usableFromInline let factor: [Double]

    /// Factorises `a`, which must be square, symmetric and positive definite.
    ///
    /// - Throws: `LinearAlgebraError.notPositiveDefinite(leadingMinor:)` naming the first
    ///   leading minor that is not positive; `.nonFinite` if `a` has NaN/Inf.
    /// - Complexity: n³/3 flops.
    public init(_ a: Matrix) throws {
        guard a.isSquare else {
            throw LinearAlgebraError.dimensionMismatch("Cholesky needs a square matrix, got \(a.rows)×\(a.columns)")
        }
        let n = a.rows
        // Only the triangle LAPACK reads (row-major upper = column-major lower) is copied and
        // checked, on all threads: half the copy and half the fresh pages of a full copy (at
        // N = 5000 the full copy's page faults alone took ~0.1 s). The other triangle of the
        // factor is left uninitialised and never read.
        let rows = ParallelRows.partition(n, chunks: 8 * ParallelRows.workers) { Double(n - $0) }
        let finite = FlagArray(count: rows.count)
        var f = [Double](unsafeUninitializedCapacity: n * n) { buffer, count in
            a.storage.withUnsafeBufferPointer { src in
                let dst = SendablePointer(buffer)
                let from = SendablePointer(src)
                Parallel.forEach(rows.count) { c in
                    var ok = true
                    for i in rows[c] {
                        let row = i * n
                        for j in i..<n { let v = from.base[row + j]; ok = ok && v.isFinite; dst.base[row + j] = v }
                    }
                    finite.set(c, ok)
                }
            }
            count = n * n
        }
        guard finite.all else { throw LinearAlgebraError.nonFinite("matrix passed to Cholesky") }
        try Self.potrf(&f, order: n)
        order = n
        factor = f
    }

    /// Factorises `a` in its own storage. When the caller hands over its only reference
    /// (`Cholesky(consuming: consume k)`, or a temporary) no N² buffer is allocated or copied;
    /// otherwise copy-on-write makes one full copy. Same errors as `init(_:)`.
    public init(consuming a: consuming Matrix) throws {
        guard a.isSquare else {
            throw LinearAlgebraError.dimensionMismatch("Cholesky needs a square matrix, got \(a.rows)×\(a.columns)")
        }
        let n = a.rows
        var f = [Double]()
        swap(&f, &a.storage)
        try Self.factorInPlace(&f, order: n)
        self.init(order: n, factor: f)
    }

    /// A factor computed elsewhere in this module (column-major lower in `factor`).
    init(order: Int, factor: [Double]) {
        self.order = order
        self.factor = factor
    }

    /// Checks that the row-major upper triangle of `f` (order n) is finite, then factorises it
    /// in place (dpotrf). Only that triangle, diagonal included, is read or written: the strictly
    /// lower triangle still holds the input afterwards, also when this throws.
    static func factorInPlace(_ f: inout [Double], order n: Int) throws {
        let rows = ParallelRows.partition(n, chunks: 8 * ParallelRows.workers) { Double(n - $0) }
        let finite = FlagArray(count: rows.count)
        f.withUnsafeBufferPointer { src in
            let from = SendablePointer(src)
            Parallel.forEach(rows.count) { c in
                var ok = true
                for i in rows[c] {
                    let row = i * n
                    for j in i..<n { ok = ok && from.base[row + j].isFinite }
                }
                finite.set(c, ok)
            }
        }
        guard finite.all else { throw LinearAlgebraError.nonFinite("matrix passed to Cholesky") }
        try potrf(&f, order: n)
    }

    /// dpotrf ("L", column-major = the row-major upper triangle) on all LAPACK threads. The
    /// `_work` entry point: the callers have checked the triangle is finite (on all threads),
    /// so LAPACKE's own single-threaded NaN scan of it is skipped.
    private static func potrf(_ f: inout [Double], order n: Int) throws {
        guard n > 0 else { return }
        let info = Parallel.withLAPACKThreads(order: n) {
            f.withUnsafeMutableBufferPointer { p in
                LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), p.baseAddress, Int32(n))
            }
        }
        if info > 0 { throw LinearAlgebraError.notPositiveDefinite(leadingMinor: Int(info)) }
        if info < 0 { throw LinearAlgebraError.illegalArgument(routine: "dpotrf", index: Int(-info)) }
    }

    /// Solves A·X = B for X (B is n×k, row-major) with dpotrs.
    ///
    /// dpotrs works column-major, so B is transposed in and out: O(n·k) copies against the
    /// O(n²·k) solve.
    public func solve(_ b: Matrix) throws -> Matrix {
        guard b.rows == order else {
            throw LinearAlgebraError.dimensionMismatch("right-hand side has \(b.rows) rows, matrix has order \(order)")
        }
        if order == 0 || b.columns == 0 { return b }
        // The factor is finite (checked before dpotrf), so LAPACKE's NaN scans of it and of B
        // are skipped (`_work`); B is checked here instead.
        guard b.storage.allSatisfy({ $0.isFinite }) else { throw LinearAlgebraError.nonFinite("right-hand side") }
        var bt = b.transposed.storage   // column-major n×k
        let info = Parallel.withLAPACKThreads(order: order) {
            factor.withUnsafeBufferPointer { pf in
                bt.withUnsafeMutableBufferPointer { pb in
                    LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), Int32(order), Int32(b.columns),
                                   pf.baseAddress, Int32(order), pb.baseAddress, Int32(order))
                }
            }
        }
        if info < 0 { throw LinearAlgebraError.illegalArgument(routine: "dpotrs", index: Int(-info)) }
        return Matrix(rows: b.columns, columns: order, storage: bt).transposed
    }

    /// Solves A·x = b for a vector.
    public func solve(_ b: [Double]) throws -> [Double] {
        try solve(Matrix(rows: b.count, columns: 1, storage: b)).storage
    }

    /// The lower-triangular factor L (row-major, zeros above the diagonal).
    public var lower: Matrix {
        // Column-major lower L read row-major is Lᵀ; transpose and clear the other triangle.
        var l = Matrix(rows: order, columns: order, storage: factor).transposed
        for i in 0..<order { for j in (i + 1)..<Swift.max(order, i + 1) { l[i, j] = 0 } }
        return l
    }

    /// log det A = 2 Σ log L_ii.
    public var logDeterminant: Double {
        var s = 0.0
        for i in 0..<order { s += 2 * Foundation.log(factor[i * order + i]) }
        return s
    }
}

/// Eigenvalues and eigenvectors of a real symmetric matrix.
public struct SymmetricEigen: Sendable {
    /// Eigenvalues. Ascending for `Matrix.symmetricEigen()`, descending for `topEigen(k:)`.
    public var values: [Double]
    /// Eigenvectors as columns: column j belongs to `values[j]`. Orthonormal.
    public var vectors: Matrix
}

extension Matrix {
    /// Full symmetric eigendecomposition A = V·diag(λ)·Vᵀ with dsyevd (divide and conquer).
    /// Eigenvalues come back in ascending order.
    ///
    /// - Complexity: O(n³).
    public func symmetricEigen() throws -> SymmetricEigen {
        guard isSquare else {
            throw LinearAlgebraError.dimensionMismatch("eigendecomposition needs a square matrix, got \(rows)×\(columns)")
        }
        guard storage.allSatisfy({ $0.isFinite }) else {
            throw LinearAlgebraError.nonFinite("matrix passed to the eigensolver")
        }
        let n = rows
        if n == 0 { return SymmetricEigen(values: [], vectors: self) }
        var a = storage
        var w = [Double](repeating: 0, count: n)
        let info = Parallel.withLAPACKThreads(order: n) {
            a.withUnsafeMutableBufferPointer { pa in
                w.withUnsafeMutableBufferPointer { pw in
                    LAPACKE_dsyevd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "L")),
                                   Int32(n), pa.baseAddress, Int32(n), pw.baseAddress)
                }
            }
        }
        if info > 0 { throw LinearAlgebraError.eigenNoConvergence(info: Int(info)) }
        if info < 0 { throw LinearAlgebraError.illegalArgument(routine: "dsyevd", index: Int(-info)) }
        // Column-major V read row-major is Vᵀ.
        return SymmetricEigen(values: w, vectors: Matrix(rows: n, columns: n, storage: a).transposed)
    }

    /// Eigenvalues only (dsyevd with jobz = "N"), ascending.
    public func symmetricEigenvalues() throws -> [Double] {
        guard isSquare else {
            throw LinearAlgebraError.dimensionMismatch("eigenvalues need a square matrix, got \(rows)×\(columns)")
        }
        guard storage.allSatisfy({ $0.isFinite }) else {
            throw LinearAlgebraError.nonFinite("matrix passed to the eigensolver")
        }
        let n = rows
        if n == 0 { return [] }
        var a = storage
        var w = [Double](repeating: 0, count: n)
        let info = Parallel.withLAPACKThreads(order: n) {
            a.withUnsafeMutableBufferPointer { pa in
                w.withUnsafeMutableBufferPointer { pw in
                    LAPACKE_dsyevd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "L")),
                                   Int32(n), pa.baseAddress, Int32(n), pw.baseAddress)
                }
            }
        }
        if info > 0 { throw LinearAlgebraError.eigenNoConvergence(info: Int(info)) }
        if info < 0 { throw LinearAlgebraError.illegalArgument(routine: "dsyevd", index: Int(-info)) }
        return w
    }

    /// The `k` largest eigenpairs of a symmetric matrix with dsyevr (MRRR), largest first.
    ///
    /// - Complexity: O(n³) for the tridiagonal reduction, O(n·k) after it: much cheaper than
    ///   `symmetricEigen()` when only a few eigenvectors are needed.
    public func topEigen(k: Int) throws -> SymmetricEigen {
        guard isSquare else {
            throw LinearAlgebraError.dimensionMismatch("eigendecomposition needs a square matrix, got \(rows)×\(columns)")
        }
        let n = rows
        guard k >= 1 && k <= n else {
            throw LinearAlgebraError.dimensionMismatch("asked for \(k) eigenpairs of a \(n)×\(n) matrix")
        }
        guard storage.allSatisfy({ $0.isFinite }) else {
            throw LinearAlgebraError.nonFinite("matrix passed to the eigensolver")
        }
        var a = storage
        var w = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: n * k)
        var isuppz = [Int32](repeating: 0, count: 2 * k)
        var found: Int32 = 0
        let info = Parallel.withLAPACKThreads(order: n) {
            a.withUnsafeMutableBufferPointer { pa in
                w.withUnsafeMutableBufferPointer { pw in
                    z.withUnsafeMutableBufferPointer { pz in
                        isuppz.withUnsafeMutableBufferPointer { ps in
                            LAPACKE_dsyevr(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "I")),
                                           CChar(UInt8(ascii: "L")), Int32(n), pa.baseAddress, Int32(n),
                                           0, 0, Int32(n - k + 1), Int32(n), 0, &found,
                                           pw.baseAddress, pz.baseAddress, Int32(n), ps.baseAddress)
                        }
                    }
                }
            }
        }
        if info > 0 { throw LinearAlgebraError.eigenNoConvergence(info: Int(info)) }
        if info < 0 { throw LinearAlgebraError.illegalArgument(routine: "dsyevr", index: Int(-info)) }
        let m = Int(found)
        // z is column-major n×m, ascending; reorder to descending columns.
        var vectors = Matrix(rows: n, columns: m)
        var values = [Double](repeating: 0, count: m)
        for j in 0..<m {
            let src = m - 1 - j
            values[j] = w[src]
            for i in 0..<n { vectors[i, j] = z[src * n + i] }
        }
        return SymmetricEigen(values: values, vectors: vectors)
    }

    /// Solves the general square system A·X = B with dgesv (LU with partial pivoting).
    ///
    /// - Throws: `LinearAlgebraError.singular(pivot:)` for an exactly singular matrix.
    public func solve(_ b: Matrix) throws -> Matrix {
        guard isSquare else {
            throw LinearAlgebraError.dimensionMismatch("solve needs a square matrix, got \(rows)×\(columns)")
        }
        guard b.rows == rows else {
            throw LinearAlgebraError.dimensionMismatch("right-hand side has \(b.rows) rows, matrix has \(rows)")
        }
        guard storage.allSatisfy({ $0.isFinite }), b.storage.allSatisfy({ $0.isFinite }) else {
            throw LinearAlgebraError.nonFinite("linear system")
        }
        let n = rows
        if n == 0 || b.columns == 0 { return b }
        // Column-major view of row-major A is Aᵀ, so solve with the transposed copy.
        var at = transposed.storage
        var bt = b.transposed.storage
        var ipiv = [Int32](repeating: 0, count: n)
        let info = Parallel.withLAPACKThreads(order: n) {
            at.withUnsafeMutableBufferPointer { pa in
                bt.withUnsafeMutableBufferPointer { pb in
                    ipiv.withUnsafeMutableBufferPointer { pi in
                        LAPACKE_dgesv(LAPACK_COL_MAJOR, Int32(n), Int32(b.columns), pa.baseAddress, Int32(n),
                                      pi.baseAddress, pb.baseAddress, Int32(n))
                    }
                }
            }
        }
        if info > 0 { throw LinearAlgebraError.singular(pivot: Int(info)) }
        if info < 0 { throw LinearAlgebraError.illegalArgument(routine: "dgesv", index: Int(-info)) }
        return Matrix(rows: b.columns, columns: n, storage: bt).transposed
    }

    /// A⁻¹ by dgesv against the identity.
    public func inverse() throws -> Matrix { try solve(.identity(rows)) }
}

import Foundation

/// One Boolean per parallel chunk, written by that chunk's thread only.
final class FlagArray: @unchecked Sendable {
    // Raw storage, not a [Bool]: workers write disjoint slots at once, which an array property
    // would turn into overlapping accesses of one variable.
    private let flags: UnsafeMutableBufferPointer<Bool>
    private let count: Int
    init(count: Int) {
        self.count = count
        flags = .allocate(capacity: Swift.max(1, count))
        flags.initialize(repeating: true)
    }
    deinit { flags.deallocate() }
    func set(_ i: Int, _ value: Bool) { flags[i] = value }
    var all: Bool { flags.prefix(count).allSatisfy { $0 } }
}
