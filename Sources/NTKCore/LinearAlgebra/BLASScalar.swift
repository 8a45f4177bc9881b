import CBLAS
import Foundation
import _KernelSIMD

/// A floating-point type OpenBLAS computes in: `Double` (the d-routines) or `Float` (the
/// s-routines). Lets one algorithm (gradient descent on raw buffers) run in either precision;
/// `Matrix` itself stays `Double`.
public protocol BLASScalar: BinaryFloatingPoint, Sendable {
    /// Row-major `C ← α·op(A)·op(B) + β·C` on raw buffers (?gemm); `m×k` by `k×n`: ONE call to
    /// OpenBLAS (single-threaded, see `Parallel`). Callers use `gemm`, which cuts it into blocks.
    static func gemmBlock(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Self,
                     _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)
    /// Row-major `y ← α·op(A)·x + β·y` with `A` of size `rows×columns` and leading dimension
    /// `lda` (?gemv): one single-threaded OpenBLAS call. Callers use `gemv`.
    static func gemvBlock(_ trans: Transpose, rows: Int, columns: Int, alpha: Self, _ a: UnsafePointer<Self>,
                          lda: Int, _ x: UnsafePointer<Self>, beta: Self, _ y: UnsafeMutablePointer<Self>)
    /// out[k] = max(z[k], 0) for k < count (vectorised C, `_KernelSIMD`).
    static func reluForward(_ z: UnsafePointer<Self>, _ out: UnsafeMutablePointer<Self>, count: Int)
    /// g[k] ← z[k] > 0 ? g[k] : 0 for k < count (vectorised C, `_KernelSIMD`).
    static func reluBackward(_ g: UnsafeMutablePointer<Self>, _ z: UnsafePointer<Self>, count: Int)
    /// The error function in this precision.
    static func erf(_ x: Self) -> Self
    /// eˣ in this precision.
    static func exp(_ x: Self) -> Self
}

extension Double: BLASScalar {
    @inlinable
    public static func gemmBlock(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Double,
                            _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    @inlinable
    public static func gemvBlock(_ trans: Transpose, rows: Int, columns: Int, alpha: Double, _ a: UnsafePointer<Double>,
                                 lda: Int, _ x: UnsafePointer<Double>, beta: Double, _ y: UnsafeMutablePointer<Double>) {
        cblas_dgemv(CblasRowMajor, trans.cblas, Int32(rows), Int32(columns), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    @inlinable public static func reluForward(_ z: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, count: Int) {
        ntk_relu_forward_d(z, out, Int64(count))
    }
    @inlinable public static func reluBackward(_ g: UnsafeMutablePointer<Double>, _ z: UnsafePointer<Double>, count: Int) {
        ntk_relu_backward_d(g, z, Int64(count))
    }
    @inlinable public static func erf(_ x: Double) -> Double { Foundation.erf(x) }
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
}

extension Float: BLASScalar {
    @inlinable
    public static func gemmBlock(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                            _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    @inlinable
    public static func gemvBlock(_ trans: Transpose, rows: Int, columns: Int, alpha: Float, _ a: UnsafePointer<Float>,
                                 lda: Int, _ x: UnsafePointer<Float>, beta: Float, _ y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, trans.cblas, Int32(rows), Int32(columns), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    @inlinable public static func reluForward(_ z: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        ntk_relu_forward_f(z, out, Int64(count))
    }
    @inlinable public static func reluBackward(_ g: UnsafeMutablePointer<Float>, _ z: UnsafePointer<Float>, count: Int) {
        ntk_relu_backward_f(g, z, Int64(count))
    }
    @inlinable public static func erf(_ x: Float) -> Float { Foundation.erff(x) }
    @inlinable public static func exp(_ x: Float) -> Float { Foundation.expf(x) }
}
