import Foundation
import NTKCore
import _MPIShim

/// A failure that every rank has agreed on (`MPI.agree`): all ranks hold the same message, so
/// one rank can print it and all can exit with the same status.
public struct AgreedFailure: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// MPI_COMM_WORLD, reached through the _MPIShim C target. Only the main thread calls MPI
/// (MPI_THREAD_FUNNELED); the kernel's worker threads and OpenBLAS's never do.
public enum MPI {
    public static func initialize() throws {
        guard ntk_mpi_init() == 0 else { throw AgreedFailure(message: "MPI_Init failed") }
    }

    public static var isInitialized: Bool { ntk_mpi_initialized() != 0 }
    public static var rank: Int { Int(ntk_mpi_rank()) }
    public static var size: Int { Int(ntk_mpi_size()) }
    /// Ranks that share this rank's node, and so its memory.
    public static var nodeSize: Int { Int(ntk_mpi_node_size()) }

    public static func finalize() { ntk_mpi_finalize() }
    /// Ends every rank of the job (for failures the ranks could not agree on).
    public static func abort(code: Int32) -> Never {
        ntk_mpi_abort(code)
        exit(code)
    }
    public static func barrier() { ntk_mpi_barrier() }

    public static func min(_ v: Int) -> Int { Int(ntk_mpi_allreduce_int64(Int64(v), 0)) }
    public static func max(_ v: Int) -> Int { Int(ntk_mpi_allreduce_int64(Int64(v), 1)) }
    public static func sum(_ v: Int) -> Int { Int(ntk_mpi_allreduce_int64(Int64(v), 2)) }
    public static func max(_ v: Double) -> Double { ntk_mpi_allreduce_double(v, 1) }

    /// Broadcasts integers from `root` (every rank passes an array of the same length).
    public static func broadcast(_ v: inout [Int], root: Int = 0) {
        var w = v.map { Int64($0) }
        _ = w.withUnsafeMutableBufferPointer { ntk_mpi_bcast_int64($0.baseAddress, Int64($0.count), Int32(root)) }
        v = w.map { Int($0) }
    }

    /// Broadcasts a matrix's elements from `root`; the other ranks pass a matrix of the same shape.
    public static func broadcast(_ m: inout Matrix, root: Int = 0) {
        _ = m.storage.withUnsafeMutableBufferPointer { ntk_mpi_bcast_doubles($0.baseAddress, Int64($0.count), Int32(root)) }
    }

    /// Broadcasts a string from `root` (the other ranks' values are ignored).
    public static func broadcast(_ s: String, root: Int) -> String {
        var bytes = rank == root ? Array(s.utf8) : []
        var length = [bytes.count]
        broadcast(&length, root: root)
        if rank != root { bytes = [UInt8](repeating: 0, count: length[0]) }
        _ = bytes.withUnsafeMutableBytes { ntk_mpi_bcast_bytes($0.baseAddress, Int64($0.count), Int32(root)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Element-wise sum over all ranks, left on every rank.
    public static func allreduceSum(_ v: inout [Double]) {
        _ = v.withUnsafeMutableBufferPointer { ntk_mpi_allreduce_sum($0.baseAddress, Int64($0.count)) }
    }

    /// Element-wise sum over all ranks, left in `root`'s array (the others' are only read).
    public static func reduceSum(_ v: inout [Double], root: Int = 0) {
        _ = v.withUnsafeMutableBufferPointer { ntk_mpi_reduce_sum($0.baseAddress, Int64($0.count), Int32(root)) }
    }

    /// Collective: every rank passes what went wrong on it (nil: nothing). If any rank failed,
    /// every rank throws the same `AgreedFailure` carrying the message of the lowest failing rank,
    /// so the job can stop with one message and one exit status instead of leaving ranks waiting
    /// in a collective.
    public static func agree(_ error: Error?) throws {
        let failing = min(error == nil ? size : rank)
        guard failing < size else { return }
        let message = broadcast(error.map { "\($0)" } ?? "", root: failing)
        throw AgreedFailure(message: message)
    }

    /// Runs `body` and agrees on its outcome: either every rank gets its result or every rank
    /// throws the same `AgreedFailure`.
    public static func agreeing<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        var failure: Error?
        do { result = try body() } catch { failure = error }
        try agree(failure)
        return result!
    }
}
