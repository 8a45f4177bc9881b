import Foundation
import XCTest
@testable import NTKCore

extension NTKCLITests {
    func writeNPY(_ name: String, _ m: Matrix, dtype: NPYDType = .float64) throws -> String {
        let path = tmp.appendingPathComponent(name).path
        try NPY.encode(m, dtype: dtype).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Replaces the first occurrence of `from` in `bytes` by `to` (same length): an edited header.
    func replaceBytes(_ bytes: inout [UInt8], _ from: String, _ to: String) {
        let f = Array(from.utf8), t = Array(to.utf8)
        precondition(f.count == t.count, "same length")
        for i in 0...(bytes.count - f.count) where Array(bytes[i..<(i + f.count)]) == f {
            bytes.replaceSubrange(i..<(i + f.count), with: t)
            return
        }
        XCTFail("\(from) not found")
    }

    /// --w-std/--b-std (and --beta as a synonym) with .npy inputs (float64 and float32) and a
    /// .npy output, against the library.
    func testKernelWeightBiasStdAndNPYInputs() throws {
        var rng = SeededGenerator(seed: 4)
        let x = Gaussian.matrix(rows: 6, columns: 3, using: &rng)
        let x64 = try writeNPY("x64.npy", x)
        let x32 = try writeNPY("x32.npy", x, dtype: .float32)
        let out = tmp.appendingPathComponent("k.npy").path
        let r = try run(["kernel", "--kind", "nngp", "--depth", "3", "--w-std", "1.3", "--b-std", "0.2",
                         "--x1", x64, "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let expected = AnalyticKernel(depth: 3, weightStd: 1.3, biasStd: 0.2)(x).nngp
        XCTAssertEqual(try NPY.readMatrix(out).storage, expected.storage)
        // float32 inputs are widened exactly; the kernel is that of the rounded inputs.
        let rounded = Matrix(rows: 6, columns: 3, storage: x.storage.map { Double(Float($0)) })
        let r32 = try run(["kernel", "--depth", "3", "--w-std", "1.3", "--beta", "0.2", "--x1", x32, "--out", out])
        XCTAssertEqual(r32.status, 0, r32.stderr)
        XCTAssertEqual(try NPY.readMatrix(out).storage, AnalyticKernel(depth: 3, weightStd: 1.3, biasStd: 0.2)(rounded).ntk.storage)
        // A float32 .npy output holds the kernel rounded to float.
        let r32out = try run(["kernel", "--depth", "3", "--w-std", "1.3", "--b-std", "0.2", "--x1", x64, "--out", out,
                              "--npy-dtype", "float32"])
        XCTAssertEqual(r32out.status, 0, r32out.stderr)
        let a32 = try NPY.read(out)
        XCTAssertEqual(a32.dtype, .float32)
        XCTAssertEqual(a32.values, AnalyticKernel(depth: 3, weightStd: 1.3, biasStd: 0.2)(x).ntk.storage.map { Double(Float($0)) })
        // --beta is --b-std.
        let a = try run(["kernel", "--depth", "2", "--beta", "0.4", "--x1", x64])
        let b = try run(["kernel", "--depth", "2", "--b-std", "0.4", "--w-std", "1", "--x1", x64])
        XCTAssertEqual(a.stdout, b.stdout)
        // Empirical NTK with σ_w from a .npy input.
        let e = try run(["empirical", "--depth", "2", "--width", "20", "--seed", "3", "--w-std", "0.8", "--b-std", "0.5",
                         "--x1", x64, "--out", out])
        XCTAssertEqual(e.status, 0, e.stderr)
        let net = MLP(inputDimension: 3, width: 20, depth: 2, outputs: 1, beta: 0.5, weightStd: 0.8, seed: 3)
        XCTAssertEqual(try NPY.readMatrix(out).storage, net.empiricalNTK(x).storage)
        // A Fortran-order .npy input: one line, exit 2.
        var bytes = [UInt8](NPY.encode(x))
        replaceBytes(&bytes, "'fortran_order': False", "'fortran_order': True ")
        let fpath = tmp.appendingPathComponent("f.npy").path
        try Data(bytes).write(to: URL(fileURLWithPath: fpath))
        let f = try run(["kernel", "--depth", "2", "--x1", fpath])
        XCTAssertEqual(f.status, 2)
        XCTAssertEqual(f.stderr.split(separator: "\n").count, 1, f.stderr)
        XCTAssertTrue(f.stderr.contains("Fortran") || f.stderr.contains("fortran"), f.stderr)
    }
}
