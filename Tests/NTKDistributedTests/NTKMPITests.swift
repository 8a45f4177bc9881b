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

    func launch(_ path: String, _ args: [String]) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "1"     // ranks share the two cores
        p.environment = env
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: e, as: UTF8.self))
    }

    /// `mpirun -np ranks ntk-mpi args` on localhost (as root in CI, hence --allow-run-as-root;
    /// -q silences mpirun's own notice about a non-zero exit status).
    func mpirun(_ ranks: Int, _ args: [String]) throws -> (status: Int32, stderr: String) {
        let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let mpirun else { throw XCTSkip("mpirun not installed (make deps installs openmpi-bin)") }
        return try launch(mpirun, ["--allow-run-as-root", "--oversubscribe", "-q", "-np", "\(ranks)", try executable("ntk-mpi")] + args)
    }

    func path(_ name: String) -> String { tmp.appendingPathComponent(name).path }

    func writeNPY(_ name: String, _ m: Matrix) throws -> String {
        try NPY.encode(m).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    /// 37 train and 11 test inputs in 5 dimensions, 2 outputs.
    func problem() throws -> [String] {
        var rng = SeededGenerator(seed: 14)
        let x = Gaussian.matrix(rows: 37, columns: 5, using: &rng)
        let y = Gaussian.matrix(rows: 37, columns: 2, using: &rng)
        let xt = Gaussian.matrix(rows: 11, columns: 5, using: &rng)
        return ["--x-train", try writeNPY("x.npy", x), "--y-train", try writeNPY("y.npy", y), "--x-test", try writeNPY("xt.npy", xt)]
    }

    static func relativeError(_ a: Matrix, _ b: Matrix) -> Double {
        guard a.rows == b.rows && a.columns == b.columns else { return .infinity }
        let scale = b.storage.map(abs).max() ?? 0
        return zip(a.storage, b.storage).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    /// Mean and covariance equal ntk predict's to 1e-10 on 1, 2 and 4 ranks (grids 1×1, 1×2,
    /// 2×2), for the NTK and the NNGP, at t = ∞ and a finite t, with and without a ridge.
    func testMatchesNTKPredictOnOneTwoAndFourRanks() throws {
        let inputs = try problem()
        let ntk = try executable("ntk")
        let cases: [(String, [String])] = [
            ("ntk, t = inf, no ridge", ["--kernel", "ntk", "--depth", "3"]),
            ("nngp, t = inf, ridge", ["--kernel", "nngp", "--activation", "erf", "--w-std", "1.5", "--b-std", "0.2",
                                      "--diag-reg", "1e-3"]),
            ("ntk, t = 30, nt loss", ["--kernel", "ntk", "--time", "30", "--loss", "nt", "--learning-rate", "0.5",
                                      "--diag-reg", "1e-4", "--diag-reg-absolute"]),
            ("nngp, t = 7.5", ["--kernel", "nngp", "--time", "7.5", "--loss", "sum", "--depth", "2"]),
        ]
        for (what, options) in cases {
            let args = ["predict"] + inputs + options + ["--cov-out", path("cov.npy"), "--out", path("mean.npy"), "--quiet"]
            let reference = try launch(ntk, args)
            XCTAssertEqual(reference.status, 0, "\(what): \(reference.stderr)")
            let mean = try NPY.readMatrix(path("mean.npy")), cov = try NPY.readMatrix(path("cov.npy"))
            XCTAssertEqual([mean.rows, mean.columns, cov.rows, cov.columns], [11, 2, 11, 11], what)
            for ranks in [1, 2, 4] {
                let out = ["--out", path("mean-\(ranks).npy"), "--cov-out", path("cov-\(ranks).npy")]
                let r = try mpirun(ranks, ["predict"] + inputs + options + out + ["--block-size", "8", "--quiet"])
                XCTAssertEqual(r.status, 0, "\(what), \(ranks) ranks: \(r.stderr)")
                XCTAssertEqual(r.stderr, "", "\(what), \(ranks) ranks: --quiet")
                let e = NTKMPITests.relativeError(try NPY.readMatrix(path("mean-\(ranks).npy")), mean)
                let c = NTKMPITests.relativeError(try NPY.readMatrix(path("cov-\(ranks).npy")), cov)
                XCTAssertLessThanOrEqual(e, NTKMPITests.agreement, "\(what), \(ranks) ranks: mean")
                XCTAssertLessThanOrEqual(c, NTKMPITests.agreement, "\(what), \(ranks) ranks: covariance")
            }
        }
    }

    /// A kernel that is not positive definite, a shape mismatch and a train set whose kernel
    /// cannot fit: every rank exits 2, one line on stderr, no output touched. With --jitter auto
    /// the singular kernel gets the jitter ntk predict chooses, and the same predictions.
    func testFailuresAreOneMessageAndNothingWritten() throws {
        var inputs = try problem()
        let mean = path("mean.csv"), cov = path("cov.csv")
        // The identity activation's kernel has rank d + 1 = 6 < 37: singular.
        let singular = ["--activation", "identity", "--depth", "2"]
        var rng = SeededGenerator(seed: 15)
        let short = try writeNPY("short.npy", Gaussian.matrix(rows: 36, columns: 2, using: &rng))
        let big = String(repeating: "0.5\n", count: 200_000)
        try big.write(toFile: path("big.csv"), atomically: true, encoding: .utf8)
        let cases: [(String, [String], String)] = [
            ("not positive definite", inputs + singular, "not numerically positive definite"),
            ("shape mismatch", ["--x-train", inputs[1], "--y-train", short, "--x-test", inputs[5]], "shape mismatch"),
            ("does not fit", ["--x-train", path("big.csv"), "--y-train", path("big.csv"), "--x-test", path("big.csv")],
             "needs about"),
        ]
        for (what, args, message) in cases {
            try "previous mean\n".write(toFile: mean, atomically: true, encoding: .utf8)
            try "previous cov\n".write(toFile: cov, atomically: true, encoding: .utf8)
            let r = try mpirun(2, ["predict"] + args + ["--out", mean, "--cov-out", cov, "--block-size", "8", "--quiet"])
            XCTAssertEqual(r.status, 2, "\(what): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(what): stderr was \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("ntk-mpi: error: ") && r.stderr.contains(message), "\(what): \(r.stderr)")
            XCTAssertEqual(try String(contentsOfFile: mean, encoding: .utf8), "previous mean\n", "\(what): MEAN touched")
            XCTAssertEqual(try String(contentsOfFile: cov, encoding: .utf8), "previous cov\n", "\(what): COV touched")
        }
        // --jitter auto: the same jitter (reported on stderr) and predictions as ntk predict.
        inputs += singular + ["--jitter", "auto", "--quiet"]
        let reference = try launch(try executable("ntk"), ["predict"] + inputs + ["--out", path("m.npy")])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let r = try mpirun(4, ["predict"] + inputs + ["--out", path("m4.npy"), "--block-size", "8"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr.replacingOccurrences(of: "ntk-mpi predict:", with: "ntk predict:"), reference.stderr)
        XCTAssertLessThanOrEqual(NTKMPITests.relativeError(try NPY.readMatrix(path("m4.npy")), try NPY.readMatrix(path("m.npy"))),
                                 NTKMPITests.agreement)
    }
}
