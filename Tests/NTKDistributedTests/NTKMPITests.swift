import Foundation
import XCTest
@testable import NTKCore

/// `ntk-mpi predict` under `mpirun -np 1|2|4` on this machine against the single-process
/// `ntk predict` (both executables are built next to the test bundle). The inputs (37 train,
/// 11 test, block size 8) are not multiples of the block size, so every rank owns partial blocks.
final class NTKMPITests: XCTestCase {
    /// Normwise relative agreement max|a − b| / max|b| required between ntk-mpi and ntk predict:
    /// the 1e-10. Both solve the same float64 kernel; the block-cyclic factorisation adds
    /// rounding of order cond(G)·ε (≈ 1e-12 for these kernels), far below it.
    static let agreement = 1e-10

    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ntk-mpi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tmp)
    }

    /// The products directory holds the xctest bundle, `ntk` and `ntk-mpi`.
    func executable(_ name: String) throws -> String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle(for: NTKMPITests.self).bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ]
        for dir in candidates {
            let url = dir.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url.path }
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "\(name) not found next to the test bundle"])
    }

    /// Runs the commands at the same time (each is tiny; mpirun spends most of a failing run
    /// waiting before it reports the exit status) and returns their statuses and stderr.
    func launch(_ commands: [(path: String, args: [String])]) throws -> [(status: Int32, stderr: String)] {
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "1"     // ranks share the two cores
        var running = [(Process, String)]()
        for (k, c) in commands.enumerated() {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: c.path)
            p.arguments = c.args
            p.environment = env
            let errPath = path("stderr-\(k)-\(UUID().uuidString)")
            FileManager.default.createFile(atPath: errPath, contents: nil)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            try p.run()
            running.append((p, errPath))
        }
        return try running.map { p, errPath in
            p.waitUntilExit()
            return (p.terminationStatus, try String(contentsOfFile: errPath, encoding: .utf8))
        }
    }

    /// `mpirun -np ranks ntk-mpi args` on localhost (as root in CI, hence --allow-run-as-root;
    /// -q silences mpirun's own notice about a non-zero exit status).
    func mpirun(_ ranks: Int, _ args: [String]) throws -> (path: String, args: [String]) {
        let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
        // A missing mpirun fails the test rather than skipping it: ntk-mpi is built by every
        // `make verify`, so its tests must run (make deps installs openmpi-bin).
        guard let mpirun else { throw MPIRunMissing() }
        return (mpirun, ["--allow-run-as-root", "--oversubscribe", "-q", "-np", "\(ranks)", try executable("ntk-mpi")] + args)
    }

    func path(_ name: String) -> String { tmp.appendingPathComponent(name).path }

    func writeNPY(_ name: String, _ m: Matrix) throws -> String {
        try NPY.encode(m).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    /// 37 train and 11 test inputs in 5 dimensions, 2 outputs: the matrices and their options.
    func problem() throws -> (x: Matrix, options: [String]) {
        var rng = SeededGenerator(seed: 14)
        let x = Gaussian.matrix(rows: 37, columns: 5, using: &rng)
        let y = Gaussian.matrix(rows: 37, columns: 2, using: &rng)
        let xt = Gaussian.matrix(rows: 11, columns: 5, using: &rng)
        return (x, ["--x-train", try writeNPY("x.npy", x), "--y-train", try writeNPY("y.npy", y), "--x-test", try writeNPY("xt.npy", xt)])
    }

    static func relativeError(_ a: Matrix, _ b: Matrix) -> Double {
        guard a.rows == b.rows && a.columns == b.columns else { return .infinity }
        let scale = b.storage.map(abs).max() ?? 0
        return zip(a.storage, b.storage).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    /// Mean and covariance equal ntk predict's to 1e-10 on 1, 2 and 4 ranks (grids 1×1, 1×2,
    /// 2×2), for the NTK and the NNGP, at t = ∞ and a finite t, with and without a ridge.
    func testMatchesNTKPredictOnOneTwoAndFourRanks() throws {
        let inputs = try problem().options
        let ntk = try executable("ntk")
        let cases: [(String, [String])] = [
            ("ntk, t = inf, no ridge", ["--kernel", "ntk", "--depth", "3"]),
            ("nngp, t = inf, ridge", ["--kernel", "nngp", "--activation", "erf", "--w-std", "1.5", "--b-std", "0.2",
                                      "--diag-reg", "1e-3"]),
            ("ntk, t = 30, nt loss", ["--kernel", "ntk", "--time", "30", "--loss", "nt", "--learning-rate", "0.5",
                                      "--diag-reg", "1e-4", "--diag-reg-absolute"]),
            ("nngp, t = 7.5", ["--kernel", "nngp", "--time", "7.5", "--loss", "sum", "--depth", "2"]),
        ]
        for (c, (what, options)) in cases.enumerated() {
            let files = { (tag: String) in ["--out", self.path("mean-\(c)-\(tag).npy"), "--cov-out", self.path("cov-\(c)-\(tag).npy")] }
            let ranks = [1, 2, 4]
            let runs = try launch([(ntk, ["predict"] + inputs + options + files("ref") + ["--quiet"])]
                                  + ranks.map { try mpirun($0, ["predict"] + inputs + options + files("\($0)") + ["--block-size", "8", "--quiet"]) })
            XCTAssertEqual(runs[0].status, 0, "\(what): \(runs[0].stderr)")
            let mean = try NPY.readMatrix(path("mean-\(c)-ref.npy")), cov = try NPY.readMatrix(path("cov-\(c)-ref.npy"))
            XCTAssertEqual([mean.rows, mean.columns, cov.rows, cov.columns], [11, 2, 11, 11], what)
            for (k, p) in ranks.enumerated() {
                let r = runs[k + 1]
                XCTAssertEqual(r.status, 0, "\(what), \(p) ranks: \(r.stderr)")
                XCTAssertEqual(r.stderr, "", "\(what), \(p) ranks: --quiet")
                let e = NTKMPITests.relativeError(try NPY.readMatrix(path("mean-\(c)-\(p).npy")), mean)
                let v = NTKMPITests.relativeError(try NPY.readMatrix(path("cov-\(c)-\(p).npy")), cov)
                XCTAssertLessThanOrEqual(e, NTKMPITests.agreement, "\(what), \(p) ranks: mean")
                XCTAssertLessThanOrEqual(v, NTKMPITests.agreement, "\(what), \(p) ranks: covariance")
            }
        }
    }

    /// A kernel that is not positive definite, a shape mismatch, a train set whose kernel cannot
    /// fit in memory, one whose per-rank share exceeds ScaLAPACK's 32-bit indices: every rank
    /// exits 2, one line on stderr, no output touched. With --jitter auto the singular kernel gets
    /// the jitter ntk predict chooses, and the same predictions up to the solve's conditioning.
    func testFailuresAreOneMessageAndNothingWritten() throws {
        let (x, inputs) = try problem()
        // The identity activation's kernel has rank d + 1 = 6 < 37: singular.
        let singular = ["--activation", "identity", "--depth", "2"]
        var rng = SeededGenerator(seed: 15)
        let short = try writeNPY("short.npy", Gaussian.matrix(rows: 36, columns: 2, using: &rng))
        // N = 60 000 on 2 ranks of one node: 2 × 14.4 GB > 24 GB; N = 200 000: 2·10^10 elements a rank.
        try String(repeating: "0.5\n", count: 60_000).write(toFile: path("big.csv"), atomically: true, encoding: .utf8)
        try String(repeating: "0.5\n", count: 200_000).write(toFile: path("huge.csv"), atomically: true, encoding: .utf8)
        let big = path("big.csv"), huge = path("huge.csv")
        let cases: [(String, [String], String)] = [
            ("not positive definite", inputs + singular, "not numerically positive definite"),
            ("overflowing kernel", inputs + ["--w-std", "1e30", "--depth", "20", "--jitter", "auto"],
             "non-finite values (NaN or infinity) in train kernel"),
            ("shape mismatch", ["--x-train", inputs[1], "--y-train", short, "--x-test", inputs[5]], "shape mismatch"),
            ("does not fit", ["--x-train", big, "--y-train", big, "--x-test", big], "needs about"),
            ("32-bit indices", ["--x-train", huge, "--y-train", huge, "--x-test", huge], "32-bit integers"),
            // Until 2026-12-03 these trapped (Int32 conversion, Int overflow) instead of refusing.
            ("block beyond Int32", inputs + ["--block-size", "2147483648"], "--block-size must be between 1 and"),
            ("grid overflowing Int", inputs + ["--grid", "4294967296x4294967296"], "processes but the job has 2 ranks"),
            ("absurd threads", inputs + ["--threads", "9223372036854775807"], "--threads must be between 1 and 1024"),
        ]
        for (k, _) in cases.enumerated() {
            try "previous mean\n".write(toFile: path("mean-\(k).csv"), atomically: true, encoding: .utf8)
            try "previous cov\n".write(toFile: path("cov-\(k).csv"), atomically: true, encoding: .utf8)
        }
        // --jitter auto: the same jitter (reported on stderr) and predictions as ntk predict.
        let jittered = inputs + singular + ["--jitter", "auto", "--quiet"]
        let runs = try launch(cases.enumerated().map { k, c in
            // The case's options last: a repeated option takes its last value (--block-size).
            try mpirun(2, ["predict", "--out", path("mean-\(k).csv"), "--cov-out", path("cov-\(k).csv"), "--block-size", "8", "--quiet"] + c.1)
        } + [(try executable("ntk"), ["predict"] + jittered + ["--out", path("m.npy")]),
             try mpirun(4, ["predict"] + jittered + ["--out", path("m4.npy"), "--block-size", "8"])])
        for (k, (what, _, message)) in cases.enumerated() {
            let r = runs[k]
            XCTAssertEqual(r.status, 2, "\(what): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(what): stderr was \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("ntk-mpi: error: ") && r.stderr.contains(message), "\(what): \(r.stderr)")
            XCTAssertEqual(try String(contentsOfFile: path("mean-\(k).csv"), encoding: .utf8), "previous mean\n", "\(what): MEAN touched")
            XCTAssertEqual(try String(contentsOfFile: path("cov-\(k).csv"), encoding: .utf8), "previous cov\n", "\(what): COV touched")
        }
        let (reference, distributed) = (runs[cases.count], runs[cases.count + 1])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        XCTAssertEqual(distributed.status, 0, distributed.stderr)
        XCTAssertTrue(reference.stderr.contains("jitter"), reference.stderr)
        XCTAssertEqual(distributed.stderr.replacingOccurrences(of: "ntk-mpi predict:", with: "ntk predict:"), reference.stderr)
        // The jittered kernel has condition number κ ≈ λmax/jitter (≈ 1e11 here), so two correct
        // solves differ by up to ~N·κ·ε (ntk predict's own packed and dense paths differ by 1e-5).
        let jitterText = reference.stderr.split(separator: " ").first { Double($0) != nil && Double($0)! > 0 }
        let jitter = try XCTUnwrap(jitterText.flatMap { Double($0) })
        let lambdaMax = try AnalyticKernel(depth: 2, activation: .identity)(x).ntk.symmetricEigen().values.last!
        let tolerance = Double(x.rows) * (lambdaMax + jitter) / jitter * Double.ulpOfOne
        XCTAssertLessThanOrEqual(NTKMPITests.relativeError(try NPY.readMatrix(path("m4.npy")), try NPY.readMatrix(path("m.npy"))),
                                 tolerance)
    }
}

/// Thrown when no mpirun is installed: ntk-mpi's tests cannot run, and that is a failure.
struct MPIRunMissing: Error, CustomStringConvertible {
    var description: String { "mpirun not installed (make deps installs openmpi-bin); ntk-mpi's tests need it" }
}
