// ntk-bench: performance benchmarks of the core (medians of repeated runs after a warm-up).
// Run with `make bench`. Timing is only ever measured here, never asserted in tests.
import ArgumentParser
import Foundation
import NTKCore

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ntk-bench",
        abstract: "Benchmarks of the NTK core (median of repeated runs after one warm-up).")

    @Option(help: "Timed repetitions per workload (the median is reported).")
    var repeats: Int = 5

    @Option(help: "OpenBLAS threads (default: OpenBLAS's own choice, normally all cores).")
    var threads: Int?

    @Option(help: "Size n of the n×n dgemm roofline.")
    var gemmSize: Int = 4000

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        guard gemmSize >= 1 else { throw ValidationError("--gemm-size must be at least 1") }
    }

    func run() throws {
        if let t = threads { BLAS.setThreadCount(t) }
        print("BLAS: \(BLAS.libraryDescription); threads \(BLAS.threadCount)")
        print(String(format: "%-44@ %12@ %12@", "workload" as NSString, "median s" as NSString, "note" as NSString))
        var rng = SeededGenerator(seed: 1)
        let n = gemmSize
        let a = Gaussian.matrix(rows: n, columns: n, using: &rng)
        let b = Gaussian.matrix(rows: n, columns: n, using: &rng)
        var c = Matrix(rows: n, columns: n)
        let t = Timing.median(repeats: repeats) { Matrix.gemm(a, b, into: &c) }
        let gflops = 2.0 * Double(n) * Double(n) * Double(n) / t / 1e9
        print(String(format: "%-44@ %12.4f %12@", "dgemm \(n)×\(n)" as NSString, t,
                     String(format: "%.1f GFLOP/s", gflops) as NSString))
    }
}

/// Wall-clock timing helpers.
enum Timing {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Runs `body` once to warm up, then `repeats` times, and returns the median seconds.
    static func median(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var times = [Double]()
        for _ in 0..<repeats {
            let t0 = now()
            try body()
            times.append(now() - t0)
        }
        times.sort()
        return times.count % 2 == 1 ? times[times.count / 2]
            : 0.5 * (times[times.count / 2 - 1] + times[times.count / 2])
    }
}

Bench.main()
