import Foundation
import XCTest
@testable import NTKCore

/// Runs the built `ntk` executable (found next to the test bundle in the products directory)
/// on good and bad input.
final class NTKCLITests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ntk-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tmp)
    }

    /// The products directory holds both the xctest bundle and the `ntk` executable.
    func binary() throws -> URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle(for: NTKCLITests.self).bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ]
        for dir in candidates {
            let url = dir.appendingPathComponent("ntk")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey:
            "ntk executable not found next to the test bundle (looked in \(candidates.map(\.path)))"])
    }

    func run(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = try binary()
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = tmp.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func parse(_ csv: String) -> [[Double]] {
        csv.split(separator: "\n").map { $0.split(separator: ",").map { Double(String($0))! } }
    }

    func testKernelCommandPrintsTheAnalyticKernel() throws {
        let angles = [0, Double.pi / 4, .pi / 2, 3 * .pi / 4, .pi]
        let x = circlePoints(angles)
        let csv = (0..<x.rows).map { i in String(format: "%.17g,%.17g", x[i, 0], x[i, 1]) }.joined(separator: "\n")
        let path = try write("circle.csv", csv + "\n")
        let r = try run(["kernel", "--kind", "ntk", "--activation", "relu", "--depth", "4", "--beta", "0.1", "--x1", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let k = parse(r.stdout)
        let expected = AnalyticKernel(depth: 4, beta: 0.1)(x).ntk
        XCTAssertEqual(k.count, 5)
        for i in 0..<5 { for j in 0..<5 { XCTAssertEqual(k[i][j], expected[i, j], "round trip of %.17g is exact") } }
        XCTAssertEqual(k[0][0], 0.2825, accuracy: Tolerance.exactAbs)
        // NNGP to a file, with a cross set.
        let x2 = try write("x2.csv", "1,0\n0,1\n")
        let out = tmp.appendingPathComponent("k.csv").path
        let r2 = try run(["kernel", "--kind", "nngp", "--depth", "4", "--x1", path, "--x2", x2, "--out", out])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertEqual(r2.stdout, "")
        let k2 = parse(try String(contentsOfFile: out, encoding: .utf8))
        XCTAssertEqual(k2.count, 5)
        XCTAssertEqual(k2[0].count, 2)
        XCTAssertEqual(k2[0][0], 0.08125, accuracy: Tolerance.exactAbs)
    }

    func testEmpiricalCommandMatchesLibrary() throws {
        let path = try write("x.csv", "0.5,-1,2\n1,1,1\n-0.3,0.2,0.1\n")
        let r = try run(["empirical", "--depth", "3", "--width", "50", "--beta", "0.1", "--seed", "7",
                         "--outputs", "2", "--x1", path, "--mode", "full"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let x = Matrix([[0.5, -1, 2], [1, 1, 1], [-0.3, 0.2, 0.1]])
        let net = MLP(inputDimension: 3, width: 50, depth: 3, outputs: 2, seed: 7)
        let expected = net.empiricalNTK(x, mode: .full)
        let k = parse(r.stdout)
        XCTAssertEqual(k.count, 6)
        for i in 0..<6 { for j in 0..<6 { XCTAssertEqual(k[i][j], expected[i, j]) } }
        let p = try run(["empirical", "--depth", "3", "--width", "50", "--seed", "7", "--outputs", "2",
                         "--x1", path, "--mode", "pntk"])
        XCTAssertEqual(parse(p.stdout).count, 3)
    }

    /// Bad input: one line on stderr, exit status 2, an existing --out file untouched.
    func testBadInputIsOneLineExitTwoAndOutputUntouched() throws {
        let good = try write("good.csv", "1,2\n3,4\n")
        let cases: [(String, [String])] = [
            ("ragged", ["kernel", "--depth", "2", "--x1", try write("ragged.csv", "1,2\n3\n")]),
            ("not a number", ["kernel", "--depth", "2", "--x1", try write("nan.csv", "1,2\n3,abc\n")]),
            ("empty", ["kernel", "--depth", "2", "--x1", try write("empty.csv", "")]),
            ("missing", ["kernel", "--depth", "2", "--x1", tmp.appendingPathComponent("nope.csv").path]),
            ("dimension mismatch", ["kernel", "--depth", "2", "--x1", good, "--x2", try write("three.csv", "1,2,3\n")]),
            ("depth 0", ["kernel", "--depth", "0", "--x1", good]),
            ("width 0", ["empirical", "--depth", "2", "--width", "0", "--x1", good]),
            ("bad depth", ["empirical", "--depth", "two", "--width", "3", "--x1", good]),
            ("unknown activation", ["kernel", "--depth", "2", "--activation", "tanh", "--x1", good]),
        ]
        let out = tmp.appendingPathComponent("out.csv").path
        for (what, args) in cases {
            try "previous contents\n".write(toFile: out, atomically: true, encoding: .utf8)
            let r = try run(args + ["--out", out])
            XCTAssertEqual(r.status, 2, "\(what): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(what): stderr was \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("ntk: error: "), what)
            XCTAssertEqual(r.stdout, "", what)
            XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "previous contents\n", "\(what): output touched")
        }
    }

    func testHelpExitsZero() throws {
        for args in [["--help"], ["kernel", "--help"], ["empirical", "--help"], ["predict", "--help"]] {
            let r = try run(args)
            XCTAssertEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stdout.contains("USAGE"), "\(args): \(r.stdout)")
        }
    }
}
