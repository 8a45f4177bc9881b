import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny 64-bit generator used to expand one seed
/// into the state of `Xoshiro256StarStar`, and usable on its own.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman & Vigna 2018): the project's seeded generator. Every random draw in
/// `Sources/` goes through a value of this type passed explicitly (`using:`), so the same seed
/// gives the same bits on every run, independent of thread counts.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    @usableFromInline var s0, s1, s2, s3: UInt64

    /// Seeds the four state words from SplitMix64(seed), as the authors recommend.
    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inlinable func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// An independent stream for a labelled sub-task (e.g. one network seed inside a figure):
    /// the child is seeded from a hash of (seed, label), not from this generator's draws.
    public static func stream(seed: UInt64, label: UInt64) -> Xoshiro256StarStar {
        var sm = SplitMix64(seed: seed ^ (label &* 0xD1B5_4A32_D192_ED03))
        return Xoshiro256StarStar(seed: sm.next())
    }
}

/// The default seeded generator of the project.
public typealias SeededGenerator = Xoshiro256StarStar

extension RandomNumberGenerator {
    /// A uniform double in the open interval (0, 1), from the top 53 bits.
    @inlinable
    public mutating func nextOpenUnit() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// One standard normal draw (Box–Muller; the second value of the pair is discarded).
    /// Use `fillStandardNormal` for bulk draws, which keeps both values.
    public mutating func nextStandardNormal() -> Double {
        let u1 = nextOpenUnit(), u2 = nextOpenUnit()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}

/// Gaussian sampling (Box–Muller) with an explicit generator.
public enum Gaussian {
    /// Fills `buffer` with iid N(mean, sd²) draws, two per pair of uniforms.
    ///
    /// The uniforms are drawn in order from `rng`; for large buffers the Box–Muller transform
    /// (log, sqrt, sin, cos) then runs on all cores, chunk by chunk. Every value is computed by
    /// the same operations from the same uniforms, so the output does not depend on the thread
    /// count (a width-10000 network's 2·10⁸ weights take about half the single-core time).
    public static func fill<G: RandomNumberGenerator>(_ buffer: inout [Double], mean: Double = 0,
                                                      sd: Double = 1, using rng: inout G) {
        let n = buffer.count
        let pairs = (n + 1) / 2
        let chunkPairs = 1 << 18
        var uniforms = [Double](repeating: 0, count: 2 * Swift.min(pairs, chunkPairs))
        buffer.withUnsafeMutableBufferPointer { p in
            var first = 0
            while first < pairs {
                let count = Swift.min(chunkPairs, pairs - first)
                for j in 0..<(2 * count) { uniforms[j] = rng.nextOpenUnit() }
                uniforms.withUnsafeBufferPointer { u in
                    let out = SendablePointer(p), src = SendablePointer(u), offset = first
                    let ranges = count >= 1 << 14 ? ParallelRows.equalChunks(count, chunks: 4 * ParallelRows.workers)
                                                  : [0..<count]
                    ParallelRows.forEach(ranges) { r in
                        for j in r {
                            let i = 2 * (offset + j)
                            let radius = (-2 * Foundation.log(src.base[2 * j])).squareRoot()
                            let a = 2 * Double.pi * src.base[2 * j + 1]
                            out.base[i] = mean + sd * radius * Foundation.cos(a)
                            if i + 1 < n { out.base[i + 1] = mean + sd * radius * Foundation.sin(a) }
                        }
                    }
                }
                first += count
            }
        }
    }

    /// `count` iid N(mean, sd²) draws.
    public static func sample<G: RandomNumberGenerator>(count: Int, mean: Double = 0, sd: Double = 1,
                                                        using rng: inout G) -> [Double] {
        var b = [Double](repeating: 0, count: count)
        fill(&b, mean: mean, sd: sd, using: &rng)
        return b
    }

    /// A rows×columns matrix of iid N(0,1) draws.
    public static func matrix<G: RandomNumberGenerator>(rows: Int, columns: Int,
                                                        using rng: inout G) -> Matrix {
        Matrix(rows: rows, columns: columns, storage: sample(count: rows * columns, using: &rng))
    }
}

extension Array {
    /// A seeded Fisher–Yates shuffle (the standard library's `shuffled(using:)` is not
    /// guaranteed stable across Swift versions).
    public func seededShuffle<G: RandomNumberGenerator>(using rng: inout G) -> [Element] {
        var a = self
        if a.count < 2 { return a }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            a.swapAt(i, j)
        }
        return a
    }
}

/// `k` distinct indices from 0..<n, drawn with a seeded partial Fisher–Yates shuffle.
public func seededSample<G: RandomNumberGenerator>(_ k: Int, from n: Int, using rng: inout G) -> [Int] {
    precondition(k <= n, "cannot draw \(k) distinct indices from \(n)")
    var idx = Array(0..<n)
    for i in 0..<k {
        let j = i + Int(rng.next() % UInt64(n - i))
        idx.swapAt(i, j)
    }
    return Array(idx[0..<k])
}
