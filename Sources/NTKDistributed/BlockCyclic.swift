import Foundation
import NTKCore
import _MPIShim

/// A BLACS process grid of rows × columns ranks over MPI_COMM_WORLD (row-major rank order).
public struct ProcessGrid: Sendable {
    public let context: Int32
    public let rows: Int
    public let columns: Int
    /// This rank's grid coordinates.
    public let myRow: Int
    public let myColumn: Int

    /// The most square grid for p ranks: rows ≤ columns, rows the largest divisor of p with
    /// rows² ≤ p (p = 2 → 1×2, 4 → 2×2, 6 → 2×3, 32 → 4×8).
    public static func shape(ranks p: Int) -> (rows: Int, columns: Int) {
        var r = Swift.max(1, Int(Double(p).squareRoot()))
        while r > 1 && p % r != 0 { r -= 1 }
        return (r, Swift.max(1, p / r))
    }

    /// Collective over all ranks: Cblacs_gridinit. Every rank of MPI_COMM_WORLD must be in the grid.
    public init(rows: Int, columns: Int) {
        var ctxt: Int32 = 0, r: Int32 = -1, c: Int32 = -1
        ntk_blacs_gridinit(Int32(rows), Int32(columns), &ctxt, &r, &c)
        context = ctxt
        self.rows = rows
        self.columns = columns
        myRow = Int(r)
        myColumn = Int(c)
    }

    /// Cblacs_gridexit.
    public func release() { ntk_blacs_gridexit(context) }
}

/// How one dimension of length n is dealt out in blocks of nb over `procs` processes: block k
/// goes to process k mod procs (ScaLAPACK's block-cyclic layout, first block on process 0).
public struct BlockCyclicDimension: Sendable, Equatable {
    public let length: Int
    public let block: Int
    public let procs: Int
    public let proc: Int
    /// How many indices this process owns.
    public let localCount: Int

    public init(length: Int, block: Int, procs: Int, proc: Int) {
        self.length = length
        self.block = block
        self.procs = procs
        self.proc = proc
        localCount = BlockCyclicDimension.localCount(length: length, block: block, proc: proc, procs: procs)
    }

    /// ScaLAPACK's numroc: how many of the n indices process `proc` owns.
    public static func localCount(length n: Int, block nb: Int, proc: Int, procs: Int) -> Int {
        Int(ntk_numroc(Int32(n), Int32(nb), Int32(proc), Int32(procs)))
    }

    /// The global index of local index l.
    @inline(__always)
    public func global(_ l: Int) -> Int { ((l / block) * procs + proc) * block + l % block }

    /// The global indices owned here, ascending.
    public var globalIndices: [Int] { (0..<localCount).map(global) }

    /// The local index of global index g, or nil when another process owns it.
    public func local(_ g: Int) -> Int? {
        let b = g / block
        guard b % procs == proc else { return nil }
        return (b / procs) * block + g % block
    }

    /// The first local index whose global index is ≥ g (localCount if none).
    public func firstLocal(atLeast g: Int) -> Int {
        let b = g / block
        let full = b / procs, rem = b % procs
        if rem == proc { return full * block + g % block }
        return Swift.min(localCount, (full + (rem < proc ? 0 : 1)) * block)
    }
}

/// A rows × columns matrix distributed 2-D block-cyclically over a process grid (ScaLAPACK's
/// layout, nb × nb blocks): this rank holds its local part, column-major with leading dimension
/// max(1, local rows), and the ScaLAPACK descriptor.
public struct BlockCyclicMatrix: Sendable {
    public let rowLayout: BlockCyclicDimension
    public let columnLayout: BlockCyclicDimension
    /// The local part, localRows × localColumns, column-major.
    public var local: [Double]
    public var descriptor: [Int32]

    public var rows: Int { rowLayout.length }
    public var columns: Int { columnLayout.length }
    public var localRows: Int { rowLayout.localCount }
    public var localColumns: Int { columnLayout.localCount }
    public var leadingDimension: Int { Swift.max(1, localRows) }

    /// A zero matrix (collective only in the sense that every rank creates its part).
    public init(rows: Int, columns: Int, block: Int, grid: ProcessGrid) {
        rowLayout = BlockCyclicDimension(length: rows, block: block, procs: grid.rows, proc: grid.myRow)
        columnLayout = BlockCyclicDimension(length: columns, block: block, procs: grid.columns, proc: grid.myColumn)
        // At least one element, so that ScaLAPACK never receives a null local array.
        local = [Double](repeating: 0, count: Swift.max(1, rowLayout.localCount * columnLayout.localCount))
        var d = [Int32](repeating: 0, count: 9)
        let info = ntk_descinit(&d, Int32(rows), Int32(columns), Int32(block), Int32(block), grid.context,
                                Int32(Swift.max(1, rowLayout.localCount)))
        precondition(info == 0, "descinit: illegal argument \(-info)")
        descriptor = d
    }

    /// Releases the local storage (the descriptor stays).
    public mutating func free() { local = [] }

    /// A ← A + v·I on the owned diagonal entries.
    public mutating func addToDiagonal(_ v: Double) {
        let ld = leadingDimension
        for lj in 0..<localColumns {
            if let li = rowLayout.local(columnLayout.global(lj)) { local[li + lj * ld] += v }
        }
    }

    /// Sets the owned diagonal entries A(i, i) = d[i].
    public mutating func setDiagonal(_ d: [Double]) {
        let ld = leadingDimension
        for lj in 0..<localColumns {
            let g = columnLayout.global(lj)
            if let li = rowLayout.local(g) { local[li + lj * ld] = d[g] }
        }
    }

    /// The owned diagonal entries as (global index, value).
    public var ownedDiagonal: [(index: Int, value: Double)] {
        let ld = leadingDimension
        return (0..<localColumns).compactMap { lj in
            let g = columnLayout.global(lj)
            return rowLayout.local(g).map { (g, local[$0 + lj * ld]) }
        }
    }

    /// Stores `values` (count × localRows − firstRow, row-major: one local column per row) into
    /// local columns firstColumn…, rows firstRow…: a kernel block evaluated as K(columns, rows).
    public mutating func store(_ values: Matrix, firstColumn: Int, firstRow: Int) {
        let ld = leadingDimension, height = localRows - firstRow
        precondition(values.columns == height && firstColumn + values.rows <= localColumns, "block outside the local part")
        local.withUnsafeMutableBufferPointer { dst in
            values.storage.withUnsafeBufferPointer { src in
                for j in 0..<values.rows {
                    (dst.baseAddress! + (firstColumn + j) * ld + firstRow)
                        .update(from: src.baseAddress! + j * height, count: height)
                }
            }
        }
    }

    /// Adds the owned entries, times `scale`, into a dense row-major buffer holding the whole
    /// rows × columns matrix at `offset` (transposed: entry (i, j) at offset + j·rows + i).
    public func accumulate(into buffer: inout [Double], offset: Int = 0, scale: Double = 1, transposed: Bool = false) {
        let ld = leadingDimension, rowIndices = rowLayout.globalIndices
        for lj in 0..<localColumns {
            let gj = columnLayout.global(lj)
            for li in 0..<localRows {
                let gi = rowIndices[li]
                let k = transposed ? offset + gj * rows + gi : offset + gi * columns + gj
                buffer[k] += scale * local[li + lj * ld]
            }
        }
    }

    /// The whole matrix on every rank (an all-reduce of the owned entries; for thin matrices).
    public func replicated() -> Matrix {
        var buffer = [Double](repeating: 0, count: rows * columns)
        accumulate(into: &buffer)
        MPI.allreduceSum(&buffer)
        return Matrix(rows: rows, columns: columns, storage: buffer)
    }

    /// Fills the owned entries from a matrix every rank holds.
    public mutating func fill(from m: Matrix) {
        precondition(m.rows == rows && m.columns == columns, "shape")
        let ld = leadingDimension
        for lj in 0..<localColumns {
            let gj = columnLayout.global(lj)
            for li in 0..<localRows { local[li + lj * ld] = m[rowLayout.global(li), gj] }
        }
    }

    /// Multiplies owned row i by w[global i].
    public mutating func scaleRows(_ w: [Double]) {
        let ld = leadingDimension
        for li in 0..<localRows {
            let s = w[rowLayout.global(li)]
            for lj in 0..<localColumns { local[li + lj * ld] *= s }
        }
    }
}

/// ScaLAPACK on whole block-cyclic matrices (global offsets 1, 1), through _MPIShim.
/// Collective: every rank of the grid calls with the same arguments.
public enum ScaLAPACK {
    /// C = alpha·op(A)·op(B) + beta·C (pdgemm); op is "N" or "T".
    public static func gemm(_ transA: Character, _ transB: Character, alpha: Double, _ a: BlockCyclicMatrix,
                            _ b: BlockCyclicMatrix, beta: Double, into c: inout BlockCyclicMatrix) {
        let k = transA == "N" ? a.columns : a.rows
        let rows = Int32(c.rows), columns = Int32(c.columns), dc = c.descriptor
        Parallel.withLAPACKThreads(order: Swift.max(c.rows, c.columns)) {
        c.local.withUnsafeMutableBufferPointer { pc in
            ntk_pdgemm(CChar(transA.asciiValue!), CChar(transB.asciiValue!), rows, columns, Int32(k),
                       alpha, a.local, a.descriptor, b.local, b.descriptor, beta, pc.baseAddress, dc)
        }
        }
    }

    /// C = A·B with A symmetric (its lower triangle is read) (pdsymm).
    public static func symm(_ a: BlockCyclicMatrix, _ b: BlockCyclicMatrix, into c: inout BlockCyclicMatrix) {
        let rows = Int32(c.rows), columns = Int32(c.columns), dc = c.descriptor
        Parallel.withLAPACKThreads(order: a.rows) {
            c.local.withUnsafeMutableBufferPointer { pc in
                ntk_pdsymm(CChar(UInt8(ascii: "L")), rows, columns, 1, a.local, a.descriptor,
                           b.local, b.descriptor, 0, pc.baseAddress, dc)
            }
        }
    }

    /// Cholesky A = L·Lᵀ in place, lower triangle (pdpotrf). Returns INFO on this rank.
    public static func potrf(_ a: inout BlockCyclicMatrix) -> Int {
        let n = a.rows, d = a.descriptor
        let info = Parallel.withLAPACKThreads(order: n) {
            a.local.withUnsafeMutableBufferPointer { ntk_pdpotrf(CChar(UInt8(ascii: "L")), Int32(n), $0.baseAddress, d) }
        }
        precondition(info >= 0, "pdpotrf: illegal argument \(-info)")
        return Int(info)
    }

    /// B ← A⁻¹B with the factor from `potrf` (pdpotrs).
    public static func potrs(_ factor: BlockCyclicMatrix, _ b: inout BlockCyclicMatrix) {
        let d = b.descriptor, columns = Int32(b.columns)
        let info = Parallel.withLAPACKThreads(order: factor.rows) {
            b.local.withUnsafeMutableBufferPointer { pb in
                ntk_pdpotrs(CChar(UInt8(ascii: "L")), Int32(factor.rows), columns, factor.local, factor.descriptor,
                            pb.baseAddress, d)
            }
        }
        precondition(info == 0, "pdpotrs: illegal argument \(-info)")
    }

    /// Eigenvalues (ascending, on every rank) and eigenvectors of the symmetric A (lower triangle;
    /// A is destroyed) by pdsyevd. Returns INFO on this rank with the results.
    public static func syevd(_ a: inout BlockCyclicMatrix, grid: ProcessGrid) -> (info: Int, values: [Double], vectors: BlockCyclicMatrix) {
        let n = a.rows, da = a.descriptor
        var v = BlockCyclicMatrix(rows: n, columns: n, block: a.rowLayout.block, grid: grid)
        var w = [Double](repeating: 0, count: Swift.max(1, n))
        var lwork: Int64 = 0, liwork: Int64 = 0
        let dv = v.descriptor
        _ = a.local.withUnsafeMutableBufferPointer { pa in
            v.local.withUnsafeMutableBufferPointer { pv in
                ntk_pdsyevd_query(Int32(n), pa.baseAddress, da, &w, pv.baseAddress, dv, &lwork, &liwork)
            }
        }
        precondition(lwork < Int64(Int32.max) && liwork < Int64(Int32.max), "pdsyevd workspace exceeds 32-bit counts")
        var work = [Double](repeating: 0, count: Int(Swift.max(1, lwork)))
        var iwork = [Int32](repeating: 0, count: Int(Swift.max(1, liwork)))
        let info = Parallel.withLAPACKThreads(order: n) {
            a.local.withUnsafeMutableBufferPointer { pa in
                v.local.withUnsafeMutableBufferPointer { pv in
                    ntk_pdsyevd(Int32(n), pa.baseAddress, da, &w, pv.baseAddress, dv, &work, Int32(work.count), &iwork, Int32(iwork.count))
                }
            }
        }
        precondition(info >= 0, "pdsyevd: illegal argument \(-info)")
        return (Int(info), Array(w.prefix(n)), v)
    }

    /// The workspace pdsyevd asks for, in doubles (its documented LWORK for JOBZ = 'V' plus
    /// LIWORK), on the rank holding the most: max(1 + 6N + 2·NP·NQ, 3N + max(NB·(NP + 1), 3·NB)) + 2N
    /// and 7N + 8·NPCOL + 2.
    public static func syevdWorkspace(order n: Int, localRows np: Int, localColumns nq: Int, block nb: Int, gridColumns: Int) -> Int? {
        let p = MemoryBudget.product, s = MemoryBudget.sum
        guard let npq = p(2, np, nq) else { return nil }
        let trilwmin = s(p(3, n), Swift.max(nb * (np + 1), 3 * nb))
        return s(Swift.max(s(1, p(6, n), npq) ?? Int.max, trilwmin ?? Int.max), p(2, n), p(7, n), p(8, gridColumns), 2)
    }
}
