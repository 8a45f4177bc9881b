import Foundation
import XCTest
@testable import NTKCore
@testable import NTKFigures

/// Runs the built figure executables and claims-report (found next to the test bundle): outputs,
/// run records, the CLAIMS.md gate, help text, and bad input.
final class FigureExecutableTests: XCTestCase {
    var tmp: String!

    override func setUpWithError() throws {
        tmp = NSTemporaryDirectory() + "ntk-fig-exe-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: tmp)
    }

    func binary(_ name: String) throws -> String {
        let dirs = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                    Bundle(for: FigureExecutableTests.self).bundleURL.deletingLastPathComponent()]
        for d in dirs {
            let p = d.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "\(name) not found in \(dirs.map(\.path))"])
    }

    func run(_ name: String, _ args: [String], env: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary(name))
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let o = Pipe(), e = Pipe()
        p.standardOutput = o
        p.standardError = e
        try p.run()
        let od = o.fileHandleForReading.readDataToEndOfFile(), ed = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: od, as: UTF8.self), String(decoding: ed, as: UTF8.self))
    }

    func testQuickFigureWritesPNGCSVJSONAndClaimsReportGates() throws {
        let r = try run("fig3-function-distribution", ["--scale", "quick", "--out", tmp, "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        for ext in ["png", "csv", "json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(tmp!)/fig3-function-distribution.\(ext)"), ext)
        }
        let png = try Data(contentsOf: URL(fileURLWithPath: "\(tmp!)/fig3-function-distribution.png"))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertNotNil(png.range(of: Data("Git commit".utf8)), "provenance text chunk")
        let records = try ClaimsReport.records(in: tmp)
        XCTAssertEqual(records.map(\.figure), ["fig3-function-distribution"])
        XCTAssertEqual(records[0].scale, .quick)
        XCTAssertEqual(Set(records[0].claims.map(\.id)), ["13", "14", "14b"])
        XCTAssertTrue(records[0].claims.allSatisfy { $0.kind == .prediction }, "fig3 claims are predictions")
        XCTAssertFalse(records[0].proposals.isEmpty, "[Prop] setup choices are recorded")

        let ok = try run("claims-report", ["--dir", tmp])
        XCTAssertEqual(ok.status, 0, ok.err + ok.out)
        XCTAssertTrue(ok.out.contains("claims: 3 passed, 0 failed"), ok.out)
        let md = try String(contentsOfFile: "\(tmp!)/CLAIMS.md", encoding: .utf8)
        XCTAssertTrue(md.contains("fig3-function-distribution.png"))

        // A failed claim in any run record makes the report exit 1.
        var rec = records[0]
        rec.claims[0].passed = false
        try JSONEncoder().encode(rec).write(to: URL(fileURLWithPath: "\(tmp!)/fig3-function-distribution.json"))
        let bad = try run("claims-report", ["--dir", tmp])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(try String(contentsOfFile: "\(tmp!)/CLAIMS.md", encoding: .utf8).contains("**FAIL**"))
    }

    func testMissingMNISTIsOneClearLineExitTwoAndNothingOverwritten() throws {
        let keep = "\(tmp!)/fig5-mnist-kernel-pca.png"
        try AtomicFile.write("previous figure", to: keep)
        let r = try run("fig5-mnist-kernel-pca", ["--scale", "quick", "--out", tmp, "--quiet"],
                        env: ["NTK_DATA_DIR": tmp + "/no-such-dir"])
        XCTAssertEqual(r.status, 2)
        let lines = r.err.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.err)
        XCTAssertTrue(r.err.contains("make data"), r.err)
        XCTAssertEqual(try String(contentsOfFile: keep, encoding: .utf8), "previous figure")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp), ["fig5-mnist-kernel-pca.png"])

        // Checksum list present but one file corrupted: the mismatch names the file; still exit 2.
        let data = tmp + "/data", mnist = data + "/mnist"
        try FileManager.default.createDirectory(atPath: mnist, withIntermediateDirectories: true)
        // The listing agrees with the official sums (a wrong listing is its own error); the files do not.
        let sums = MNIST.files.map { "\(MNIST.officialSHA256[$0]!)  \($0)\n" }.joined()
        try AtomicFile.write(sums, to: mnist + "/SHA256SUMS")
        for f in MNIST.files { try AtomicFile.write("not gzip", to: mnist + "/" + f) }
        let c = try run("fig6-random-labels", ["--scale", "quick", "--out", tmp, "--quiet"], env: ["NTK_DATA_DIR": data])
        XCTAssertEqual(c.status, 2)
        XCTAssertEqual(c.err.split(separator: "\n").count, 1, c.err)
        XCTAssertTrue(c.err.contains("SHA-256 mismatch") && c.err.contains("make data"), c.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp).sorted(), ["data", "fig5-mnist-kernel-pca.png"])
    }

    /// The Lee et al. 2018 check: help names its claims, a bad option is one line and exit 2, and
    /// claims-report reads its record next to the figures'.
    func testLee2018HelpBadOptionAndClaimsReport() throws {
        try assertHelp("lee2018-nngp-mnist", contains: ["L18-50k", "--ntk-max-train"])
        try assertRejected("lee2018-nngp-mnist", ["--ntk-max-train", "many", "--out", tmp], naming: "many")
        let claim = Claim.bound("L18-1k", "s", source: .lee2018, kind: .prediction, quantity: "q", measured: 0, bound: 1,
                                expected: "e", reason: "r")
        let record = RunRecord(figure: Lee2018NNGPMNIST.name, title: "t", scale: .quick, seed: 0, parameters: [:],
                               proposals: [], notes: [], gitCommit: "g", blas: "b", blasThreads: 1, commandLine: "c",
                               date: "d", wallTimeSeconds: 1, claims: [claim])
        try JSONEncoder().encode(record).write(to: URL(fileURLWithPath: "\(tmp!)/\(Lee2018NNGPMNIST.name).json"))
        let report = try run("claims-report", ["--dir", tmp])
        XCTAssertEqual(report.status, 0, report.err + report.out)
        XCTAssertTrue(try String(contentsOfFile: "\(tmp!)/CLAIMS.md", encoding: .utf8).contains("L18-1k"))
    }

    func testBadOptionsAndHelp() throws {
        try assertHelp("fig1-ntk-circle", contains: ["Figure 1", "Claims checked", "--training-precision"])
        try assertRejected("fig2-ntk-convergence", ["--scale", "huge", "--out", tmp], naming: "huge")
        try assertRejected("fig1-ntk-circle", ["--training-precision", "float16", "--out", tmp], naming: "float16")
        let help7 = try run("fig7-pntk-approximation", ["--help"])
        XCTAssertEqual(help7.status, 0)
        // ArgumentParser wraps the text at spaces: compare with the whitespace collapsed.
        let words = help7.out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for source in ["Mohamadi, Bae & Sutherland", "2206.12543", "source document 001", "Claims checked"] {
            XCTAssertTrue(words.contains(source), "fig7 --help names \(source): \(help7.out)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp), [])
    }

    /// `--help` exits 0 and its text contains every string of `contains`.
    func assertHelp(_ exe: String, contains: [String], line: UInt = #line) throws {
        let help = try run(exe, ["--help"])
        XCTAssertEqual(help.status, 0, line: line)
        for c in contains { XCTAssertTrue(help.out.contains(c), "\(exe) --help lacks \(c)", line: line) }
    }

    /// A usage error: exit 2 and one stderr line naming the bad value.
    func assertRejected(_ exe: String, _ args: [String], naming bad: String, line: UInt = #line) throws {
        let r = try run(exe, args)
        XCTAssertEqual(r.status, 2, line: line)
        XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err, line: line)
        XCTAssertTrue(r.err.contains(bad), r.err, line: line)
    }

    /// The 1-D toy figures name their sources in --help, reject bad options with one line and exit
    /// 2, and fig8's quick run writes a complete record (fig9's computation is covered by
    /// LineFigureClaimTests; its quick run takes ~10 s more).
    func testFig8Fig9HelpBadOptionsAndFig8QuickRecord() throws {
        for name in ["fig8-linearized-dynamics", "fig9-ntk-gaussian-process"] {
            let help = try run(name, ["--help"])
            XCTAssertEqual(help.status, 0)
            XCTAssertTrue(help.out.contains("source 003") && help.out.contains("Lee et al. 2019")
                          && help.out.contains("Claims checked"), help.out)
            for args in [["--seed", "-1"], ["--threads", "0"], ["--scale", "huge"]] {
                let bad = try run(name, args + ["--out", tmp])
                XCTAssertEqual(bad.status, 2, "\(name) \(args)")
                XCTAssertEqual(bad.err.split(separator: "\n").count, 1, bad.err)
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp), [])
        let r = try run("fig8-linearized-dynamics", ["--scale", "quick", "--out", tmp, "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        let records = try ClaimsReport.records(in: tmp)
        XCTAssertEqual(records.map(\.figure), ["fig8-linearized-dynamics"])
        XCTAssertEqual(Set(records[0].claims.map(\.id)), ["22", "22b", "22c", "23", "23b", "24", "24b"])
        XCTAssertTrue(records[0].claims.allSatisfy { $0.kind == .prediction }, "fig8 claims are predictions")
        XCTAssertFalse(records[0].proposals.isEmpty, "[Prop] setup choices are recorded")
    }
}
