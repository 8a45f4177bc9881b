import Foundation
import XCTest
@testable import NTKCore

/// `ntk predict` end to end (the executable), following NTKCLITests.
extension NTKCLITests {
    func predictProblem() -> (x: Matrix, y: Matrix, xt: Matrix) {
        var rng = SeededGenerator(seed: 31)
        return (Gaussian.matrix(rows: 12, columns: 3, using: &rng), Gaussian.matrix(rows: 12, columns: 2, using: &rng),
                Gaussian.matrix(rows: 5, columns: 3, using: &rng))
    }

    /// .npy in, .npy and CSV out; the numbers are the library's, bit for bit (npy) or to
    /// %.17g round trip (CSV); a 1-D target vector is an N×1 column.
    func testPredictMatchesLibraryThroughNPYAndCSV() throws {
        let (x, y, xt) = predictProblem()
        let xp = try writeNPY("x.npy", x), yp = try writeNPY("y.npy", y, dtype: .float64), tp = try writeNPY("xt.npy", xt)
        let mean = tmp.appendingPathComponent("mean.npy").path, cov = tmp.appendingPathComponent("cov.npy").path
        let kernel = AnalyticKernel(depth: 3, activation: .erf, weightStd: 1.5, biasStd: 0.2)
        for (mode, time) in [(PredictorKernel.ntk, "inf"), (.nngp, "inf"), (.ntk, "40"), (.nngp, "3.5")] {
            let r = try run(["predict", "--x-train", xp, "--y-train", yp, "--x-test", tp, "--kernel", mode.rawValue,
                             "--depth", "3", "--activation", "erf", "--w-std", "1.5", "--b-std", "0.2",
                             "--time", time, "--learning-rate", "0.5", "--loss", "mean", "--diag-reg", "1e-4",
                             "--out", mean, "--cov-out", cov, "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr, "", "--quiet")
            let lib = try KernelPredictor(kernel: kernel, mode: mode, time: time == "inf" ? .infinity : Double(time)!,
                                          learningRate: 0.5, diagReg: 1e-4)
                .predict(xTrain: x, yTrain: y, xTest: xt, covariance: true)
            XCTAssertEqual(try NPY.readMatrix(mean).storage, lib.mean.storage, "\(mode) \(time) mean")
            let c = try NPY.readMatrix(cov)
            XCTAssertEqual(c.rows, 5)
            XCTAssertEqual(c.columns, 5)
            XCTAssertEqual(c.storage, lib.covariance!.storage, "\(mode) \(time) cov")
        }
        // CSV inputs and outputs, a 1-D float32 target, sum loss, a JSON report and progress lines.
        let csv = { (m: Matrix) in (0..<m.rows).map { i in (0..<m.columns).map { String(format: "%.17g", m[i, $0]) }.joined(separator: ",") }.joined(separator: "\n") + "\n" }
        let xc = try write("x.csv", csv(x)), tc = try write("xt.csv", csv(xt))
        let y1 = Matrix(rows: 12, columns: 1, storage: y.column(0))
        var bytes = [UInt8](NPY.encode(y1, dtype: .float32))
        // Rewrite the shape (12, 1) as (12,) keeping the header length: a 1-D vector.
        replaceBytes(&bytes, "(12, 1)", "(12,)  ")
        let y1p = tmp.appendingPathComponent("y1.npy").path
        try Data(bytes).write(to: URL(fileURLWithPath: y1p))
        let meanCSV = tmp.appendingPathComponent("mean.csv").path, report = tmp.appendingPathComponent("r.json").path
        let r = try run(["predict", "--x-train", xc, "--y-train", y1p, "--x-test", tc, "--time", "2", "--loss", "sum",
                         "--depth", "2", "--out", meanCSV, "--report", report])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("ntk predict:"), r.stderr)
        let y32 = Matrix(rows: 12, columns: 1, storage: y1.storage.map { Double(Float($0)) })
        let lib = try KernelPredictor(kernel: AnalyticKernel(depth: 2), time: 2, loss: .sum)
            .predict(xTrain: x, yTrain: y32, xTest: xt, covariance: false)
        let got = parse(try String(contentsOfFile: meanCSV, encoding: .utf8))
        XCTAssertEqual(got.flatMap { $0 }, lib.mean.storage)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as! [String: Any]
        XCTAssertEqual(json["method"] as? String, "eigendecomposition")
        XCTAssertEqual(json["train"] as? Int, 12)
    }

    /// Bad input: one line on stderr, exit 2, and neither MEAN nor COV touched.
    func testPredictBadInputIsOneLineExitTwoNothingWritten() throws {
        let (x, y, xt) = predictProblem()
        let xp = try writeNPY("x.npy", x), yp = try writeNPY("y.npy", y), tp = try writeNPY("xt.npy", xt)
        // The identity activation gives a rank-(d+1) kernel: 12 points in 3-D are singular.
        // (A duplicated input is not enough for the ReLU NTK: the arc-cosine's acos near 1 turns
        // the rounding of c/√(ab) into a 1e−9 difference, a numerically PD matrix.)
        let singular = ["--activation", "identity"]
        var nan = x
        nan[2, 1] = .nan
        let nanp = try writeNPY("nan.npy", nan)
        // Fortran order and an int64 dtype, by editing the header of a valid file.
        func edited(_ name: String, _ from: String, _ to: String) throws -> String {
            var bytes = [UInt8](NPY.encode(x))
            replaceBytes(&bytes, from, to)
            let p = tmp.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: p))
            return p
        }
        let fortran = try edited("fortran.npy", "'fortran_order': False", "'fortran_order': True ")
        let int64 = try edited("int.npy", "'<f8'", "'<i8'")
        let short = try writeNPY("short.npy", y.rows(0..<7))
        let wide = try writeNPY("wide.npy", Matrix(rows: 5, columns: 4))
        let base = ["predict", "--y-train", yp, "--x-test", tp]
        let cases: [(String, [String])] = [
            ("target rows", ["predict", "--x-train", xp, "--y-train", short, "--x-test", tp]),
            ("test columns", ["predict", "--x-train", xp, "--y-train", yp, "--x-test", wide]),
            ("non-finite", base + ["--x-train", nanp]),
            ("fortran order", base + ["--x-train", fortran]),
            ("int64 dtype", base + ["--x-train", int64]),
            ("not PD at t = inf", base + ["--x-train", xp] + singular),
            ("bad time", base + ["--x-train", xp, "--time", "-1"]),
            ("bad kernel", base + ["--x-train", xp, "--kernel", "rbf"]),
            ("bad loss", base + ["--x-train", xp, "--loss", "l1"]),
            ("negative ridge", base + ["--x-train", xp, "--diag-reg", "-1"]),
            ("missing file", base + ["--x-train", tmp.appendingPathComponent("none.npy").path]),
        ]
        let mean = tmp.appendingPathComponent("mean.npy").path, cov = tmp.appendingPathComponent("cov.csv").path
        for (what, args) in cases {
            try "previous mean\n".write(toFile: mean, atomically: true, encoding: .utf8)
            try "previous cov\n".write(toFile: cov, atomically: true, encoding: .utf8)
            let r = try run(args + ["--out", mean, "--cov-out", cov])
            XCTAssertEqual(r.status, 2, "\(what): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(what): stderr was \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("ntk: error: "), "\(what): \(r.stderr)")
            XCTAssertEqual(try String(contentsOfFile: mean, encoding: .utf8), "previous mean\n", "\(what): MEAN touched")
            XCTAssertEqual(try String(contentsOfFile: cov, encoding: .utf8), "previous cov\n", "\(what): COV touched")
        }
        // A kernel that overflows (σ_w = 1e30 over 20 layers) is named as non-finite at once, not
        // retried with every jitter and then called "not positive definite".
        try "previous mean\n".write(toFile: mean, atomically: true, encoding: .utf8)
        let overflow = try run(base + ["--x-train", xp, "--w-std", "1e30", "--depth", "20", "--jitter", "auto", "--out", mean])
        XCTAssertEqual(overflow.status, 2, overflow.stderr)
        XCTAssertEqual(overflow.stderr.split(separator: "\n").count, 1, overflow.stderr)
        XCTAssertTrue(overflow.stderr.contains("non-finite values (NaN or infinity) in train kernel"), overflow.stderr)
        XCTAssertEqual(try String(contentsOfFile: mean, encoding: .utf8), "previous mean\n")
        // A train set whose packed kernel cannot fit (N = 200 000: 160 GB) is refused before any
        // allocation, with the memory needed.
        let big = String(repeating: "0.5\n", count: 200_000)
        let bx = try write("bigx.csv", big), by = try write("bigy.csv", big), bt = try write("bigt.csv", "0.5\n")
        try "previous mean\n".write(toFile: mean, atomically: true, encoding: .utf8)
        let huge = try run(["predict", "--x-train", bx, "--y-train", by, "--x-test", bt, "--out", mean])
        XCTAssertEqual(huge.status, 2, huge.stderr)
        XCTAssertEqual(huge.stderr.split(separator: "\n").count, 1, huge.stderr)
        XCTAssertTrue(huge.stderr.contains("160 GB"), huge.stderr)
        XCTAssertEqual(try String(contentsOfFile: mean, encoding: .utf8), "previous mean\n")
        // The singular kernel works with a ridge, and with --jitter auto (which is reported).
        let ok = try run(base + ["--x-train", xp, "--diag-reg", "1e-8", "--out", mean, "--quiet"] + singular)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let j = try run(base + ["--x-train", xp, "--jitter", "auto", "--out", mean, "--quiet"] + singular)
        XCTAssertEqual(j.status, 0, j.stderr)
        XCTAssertTrue(j.stderr.contains("jitter"), j.stderr)
        // An unwritable COV destination is refused before any work, MEAN untouched.
        try "previous mean\n".write(toFile: mean, atomically: true, encoding: .utf8)
        let r = try run(base + ["--x-train", xp, "--out", mean, "--cov-out", tmp.path])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertEqual(try String(contentsOfFile: mean, encoding: .utf8), "previous mean\n")
    }

    /// Hostile inputs and destinations found by a probe on 2026-12-03: each is one line on
    /// stderr, exit 2, nothing written and no directory created (or, for a pipe, written).
    func testHostileInputsAndDestinations() throws {
        let (x, y, xt) = predictProblem()
        let xp = try writeNPY("x.npy", x), yp = try writeNPY("y.npy", y), tp = try writeNPY("xt.npy", xt)
        let inputs = ["predict", "--x-train", xp, "--y-train", yp, "--x-test", tp, "--quiet"]
        let mean = tmp.appendingPathComponent("mean.npy").path
        let link = tmp.appendingPathComponent("link.npy").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: mean)
        let dotted = tmp.path + "/./mean.npy"
        let fresh = tmp.appendingPathComponent("new/sub/mean.npy").path
        let noRows = try writeNPY("norows.npy", Matrix(rows: 0, columns: 3))
        let noColumns = try writeNPY("nocolumns.npy", Matrix(rows: 12, columns: 0))
        var nulHeader = [UInt8](NPY.encode(x))
        replaceBytes(&nulHeader, "'<f8'", "'<f\u{0}'")
        let nul = tmp.appendingPathComponent("nul.npy").path
        try Data(nulHeader).write(to: URL(fileURLWithPath: nul))
        let huge = try write("huge.csv", "1e20,1e20,1e20\n1,2,3\n")
        let cases: [(String, [String], String)] = [
            ("the same file by another name", inputs + ["--out", mean, "--cov-out", dotted], "must be different files"),
            ("the same file through a link", inputs + ["--out", mean, "--cov-out", link], "must be different files"),
            ("an output over an input", inputs + ["--out", mean, "--report", xp], "is the input --x-train"),
            ("no rows", ["predict", "--x-train", noRows, "--y-train", yp, "--x-test", tp, "--out", mean], "is empty (0×3)"),
            ("no columns", ["predict", "--x-train", xp, "--y-train", noColumns, "--x-test", tp, "--out", mean], "is empty (12×0)"),
            ("a NUL in the header", ["predict", "--x-train", nul, "--y-train", yp, "--x-test", tp, "--out", mean], "\\x00"),
            ("no input, fresh directory", ["predict", "--x-train", tmp.appendingPathComponent("none.npy").path,
                                           "--y-train", yp, "--x-test", tp, "--out", fresh], "none.npy"),
            ("float32 overflow", ["kernel", "--depth", "2", "--x1", huge, "--out", mean, "--npy-dtype", "float32"], "beyond float32's range"),
            ("negative weight variance", ["kernel", "--depth", "2", "--x1", huge, "--b-std", "1.5",
                                          "--parametrization", "authors-code", "--out", mean], "needs |--b-std| ≤ 1"),
            ("no columns, empirical", ["empirical", "--depth", "2", "--width", "3", "--x1", noColumns, "--out", mean], "is empty (12×0)"),
            // A negative number after a space is the option's value, not "missing value".
            ("negative depth after a space", ["kernel", "--depth", "-1", "--x1", huge, "--out", mean], "--depth must be at least 1 (got -1)"),
            ("negative time after a space", inputs + ["--time", "-1", "--out", mean], "--time must be a non-negative number"),
        ]
        for (what, args, message) in cases {
            try "previous mean\n".write(toFile: mean, atomically: true, encoding: .utf8)
            let r = try run(args)
            XCTAssertEqual(r.status, 2, "\(what): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(what): stderr was \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("ntk: error: ") && r.stderr.contains(message), "\(what): \(r.stderr)")
            XCTAssertFalse(r.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(what): raw control byte in \(r.stderr)")
            XCTAssertEqual(try String(contentsOfFile: mean, encoding: .utf8), "previous mean\n", "\(what): MEAN touched")
            XCTAssertEqual(try NPY.readMatrix(xp), x, "\(what): an input was touched")
            XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.appendingPathComponent("new").path), "\(what): directory created")
        }
        // /dev/stdout is a link to a pipe here (no path of its own): written in place.
        let piped = try run(inputs + ["--out", "/dev/stdout"])
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(piped.stdout.split(separator: "\n").count, xt.rows, piped.stdout)
    }
}
