import XCTest
@testable import NTKCore

final class RandomTests: XCTestCase {
    func testSplitMix64ReferenceValues() {
        // Reference outputs of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
        var g = SplitMix64(seed: 1234567)
        XCTAssertEqual(g.next(), 6457827717110365317)
        XCTAssertEqual(g.next(), 3203168211198807973)
        XCTAssertEqual(g.next(), 9817491932198370423)
    }

    func testFixedSeedGivesFixedValues() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        let xs = (0..<5).map { _ in a.next() }
        XCTAssertEqual(xs, (0..<5).map { _ in b.next() })
        // Pinned first values: a change to the generator or its seeding changes every figure.
        XCTAssertEqual(xs, RandomTests.pinnedSeed42)
        var c = SeededGenerator(seed: 43)
        XCTAssertNotEqual(c.next(), xs[0])
    }

    /// First five outputs of xoshiro256** seeded through SplitMix64(42), computed once with an
    /// independent Python implementation of both generators (see the test's history).
    static let pinnedSeed42: [UInt64] = [
        1546998764402558742, 6990951692964543102, 12544586762248559009,
        17057574109182124193, 18295552978065317476,
    ]

    func testNormalSamplerMomentsWithin5SE() {
        var rng = SeededGenerator(seed: 7)
        let m = 1_000_000
        let x = Gaussian.sample(count: m, using: &rng)
        let mean = x.reduce(0, +) / Double(m)
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(m - 1)
        // SE of the mean = 1/√M; SE of the variance of N(0,1) = √(2/M).
        let seMean = 1 / Double(m).squareRoot()
        let seVar = (2 / Double(m)).squareRoot()
        XCTAssertLessThan(abs(mean), 5 * seMean)
        XCTAssertLessThan(abs(variance - 1), 5 * seVar)
        // Fourth moment 3 (SE √(96/M)) catches a wrong shape with the right variance.
        let m4 = x.reduce(0) { $0 + $1 * $1 * $1 * $1 } / Double(m)
        XCTAssertLessThan(abs(m4 - 3), 5 * (96 / Double(m)).squareRoot())
    }

    func testSameBitsWithOneOrTwoBLASThreads() {
        // Random draws never go through BLAS, so the thread count cannot change them; this pins
        // it for the pipeline "sample → gemm" used by networks.
        let saved = BLAS.threadCount
        defer { BLAS.setThreadCount(saved) }
        func run() -> [Double] {
            var rng = SeededGenerator(seed: 99)
            let a = Gaussian.matrix(rows: 64, columns: 64, using: &rng)
            return Gaussian.sample(count: 16, using: &rng) + Array(a.storage.prefix(16))
        }
        BLAS.setThreadCount(1)
        let one = run()
        BLAS.setThreadCount(2)
        XCTAssertEqual(one, run())
    }

    func testSeededSampleAndShuffle() {
        var r1 = SeededGenerator(seed: 5), r2 = SeededGenerator(seed: 5)
        let s = seededSample(10, from: 100, using: &r1)
        XCTAssertEqual(s, seededSample(10, from: 100, using: &r2))
        XCTAssertEqual(Set(s).count, 10)
        XCTAssertTrue(s.allSatisfy { (0..<100).contains($0) })
        let p = Array(0..<50).seededShuffle(using: &r1)
        XCTAssertEqual(p.sorted(), Array(0..<50))
    }
}
