import Foundation

// Memory estimates of the big computations, checked with `MemoryBudget.require` before they
// allocate. They count the large arrays (8 bytes per Double) and ignore O(1) overheads; nil
// means the sizes overflow 64-bit arithmetic.

extension AnalyticKernel {
    /// Bytes for the kernel of N1 against N2 inputs: the N1×N2 outputs (two for `.both`, one
    /// for `.ntk` or `.nngp`) plus the per-layer diagonals (twice: raw and prepared) of both
    /// input sets.
    public func memoryEstimate(n1: Int, n2: Int, outputs: KernelOutputs = .both) -> Int? {
        let p = MemoryBudget.product
        return MemoryBudget.sum(p(outputs == .both ? 16 : 8, n1, n2), p(32, depth, n1 + n2))
    }
}

extension MLP {
    /// Bytes to build a network of these sizes and compute its empirical NTK on N1 against N2
    /// inputs (N2 = 0 when X2 = X1) in `mode`: the parameters, the forward passes (pre- and
    /// post-activations per layer), the backprop signals (N·R rows per layer, R = outputs for
    /// full/trace), the output cotangents, and the kernel with its two Grams.
    public static func empiricalNTKMemoryEstimate(inputDimension d: Int, width w: Int, depth l: Int, outputs o: Int,
                                                  n1: Int, n2: Int, mode: EmpiricalNTKMode) -> Int? {
        let p = MemoryBudget.product, s = MemoryBudget.sum
        let params = s(p(d, w), p(max(l - 2, 0), w, w), p(w, o), p(l, w), o)
        let widest = max(w, d, o)
        let forward = p(2, l, n1 + n2, widest)
        let r = mode == .pntk ? 1 : o
        let signals = s(p(l, n2, r, widest), p(3, n1, r, widest))
        let cotangent = p(n1 + n2, r, o)
        let outR = mode == .full ? p(n1, o) : n1
        let outC = mode == .full ? p(max(n2, n1), o) : max(n2, n1)
        let kernel = outR.flatMap { a in outC.flatMap { b in p(2, a, b) } }
        let alphaGram = p(n1, max(n2, n1))
        return s(params, forward, signals, cotangent, kernel, alphaGram).flatMap { p(8, $0) }
    }
}
