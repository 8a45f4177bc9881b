import Foundation
import XCTest
@testable import NTKCore

/// `.npy` reading and writing. Files are built byte by byte here (CI has no numpy), following
/// numpy.lib.format: magic, version, little-endian header length, the header dictionary padded
/// with spaces and a newline, then the raw elements.
final class NPYTests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tmp)
    }

    func path(_ name: String) -> String { tmp.appendingPathComponent(name).path }

    /// A `.npy` file as numpy ≥ 1.24 writes it: header padded to a multiple of 64 bytes with
    /// room for the shape to grow (numpy's GROWTH_AXIS_MAX_DIGITS), independent of `NPY.header`.
    func npyBytes(dict: String, version: (UInt8, UInt8) = (1, 0), data: [UInt8], growth: Int = 21) -> [UInt8] {
        let lengthBytes = version.0 == 1 ? 2 : 4
        var body = Array(dict.utf8) + [UInt8](repeating: 0x20, count: growth)
        let pre = 8 + lengthBytes
        let pad = (64 - (pre + body.count + 1) % 64) % 64
        body += [UInt8](repeating: 0x20, count: pad) + [0x0A]
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version.0, version.1]
        for k in 0..<lengthBytes { out.append(UInt8((body.count >> (8 * k)) & 0xFF)) }
        return out + body + data
    }

    func f64(_ v: [Double]) -> [UInt8] { v.flatMap { x in withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) } } }
    func f32(_ v: [Float]) -> [UInt8] { v.flatMap { x in withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) } } }

    func save(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Asserts that reading fails with an NPYError whose reason contains `fragment`.
    func assertRejects(_ bytes: [UInt8], _ fragment: String, matrix: Bool = false,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let p = try save("bad.npy", bytes)
        do {
            if matrix { _ = try NPY.readMatrix(p) } else { _ = try NPY.read(p) }
            XCTFail("accepted a file that should fail with '\(fragment)'", file: file, line: line)
        } catch let e as NPYError {
            XCTAssertTrue(e.reason.contains(fragment), "message '\(e.reason)' lacks '\(fragment)'", file: file, line: line)
            XCTAssertEqual(e.path, p, file: file, line: line)
        }
    }

    let values: [Double] = [0, 1.5, -2.25, 1e-300, 3.141592653589793, -7e200]

    func testReadsNumpyStyleFloat64Version1() throws {
        let p = try save("a.npy", npyBytes(dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", data: f64(values)))
        let m = try NPY.readMatrix(p)
        XCTAssertEqual(m, Matrix(rows: 2, columns: 3, storage: values))
        let a = try NPY.read(p)
        XCTAssertEqual(a.shape, [2, 3])
        XCTAssertEqual(a.dtype, .float64)
    }

    func testReadsFloat32AndVersion2AndVectors() throws {
        let fv: [Float] = [1, -0.1, 3.0e38, 1e-40]
        let p = try save("b.npy", npyBytes(dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
                                           version: (2, 0), data: f32(fv)))
        let m = try NPY.readMatrix(p)
        XCTAssertEqual(m.rows, 4)
        XCTAssertEqual(m.columns, 1)
        XCTAssertEqual(m.storage, fv.map(Double.init))
        // Keys in another order and no trailing comma are valid Python literals too.
        let q = try save("c.npy", npyBytes(dict: "{'shape': (), 'fortran_order': False, 'descr': '<f8'}", data: f64([42])))
        XCTAssertEqual(try NPY.readMatrix(q), Matrix([[42]]))
        let e = try save("e.npy", npyBytes(dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 5), }", data: []))
        let em = try NPY.readMatrix(e)
        XCTAssertEqual(em.rows, 0)
        XCTAssertEqual(em.columns, 5)
    }

    func testRoundTripFloat64IsExactAndFloat32Rounds() throws {
        let m = Matrix(rows: 3, columns: 2, storage: values)
        let p = path("sub/r.npy")
        try NPY.write(m, to: p)
        XCTAssertEqual(try NPY.readMatrix(p), m)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: p)))
        let h = try NPY.parseHeader(bytes, name: p)
        XCTAssertEqual(h.dataOffset % 64, 0, "data must start 64-byte aligned like numpy's")
        XCTAssertEqual(bytes.count, h.dataOffset + 6 * 8)
        let small = Matrix(rows: 3, columns: 2, storage: [0, 1.5, -2.25, 1e-3, 3.141592653589793, -7])
        try NPY.write(small, to: p, dtype: .float32)
        XCTAssertEqual(try NPY.readMatrix(p).storage, small.storage.map { Double(Float($0)) })
        // Our header is also read by the independent numpy-style builder's conventions.
        XCTAssertEqual(try NPY.parseHeader(NPY.header(shape: [7], dtype: .float32), name: "x").shape, [7])
    }

    func testRowWriterStreamsBlocksAndIsAtomic() throws {
        let p = path("s.npy")
        let n = 1000, c = 3
        let w = try NPY.RowWriter(path: p, rows: n, columns: c)
        for i in stride(from: 0, to: n, by: 7) {
            let rows = min(7, n - i)
            let block = Matrix(rows: rows, columns: c) { r, j in Double((i + r) * c + j) }
            try w.append(block)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: p), "nothing at the destination before finish()")
        try w.finish()
        let m = try NPY.readMatrix(p)
        XCTAssertEqual(m.storage, (0..<(n * c)).map(Double.init))
        // An unfinished writer leaves the existing file alone and removes its temporary.
        do {
            let w2 = try NPY.RowWriter(path: p, rows: 2, columns: c)
            try w2.append(row: [9, 9, 9])
            XCTAssertThrowsError(try w2.finish())      // 1 of 2 rows
        }
        XCTAssertEqual(try NPY.readMatrix(p).storage, (0..<(n * c)).map(Double.init))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), ["s.npy"], "temporary left behind")
    }

    func testRejectsWhatItDoesNotSupport() throws {
        let good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
        try assertRejects(npyBytes(dict: "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", data: f64(values)), "Fortran")
        try assertRejects(npyBytes(dict: "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", data: f64(values)), "unsupported dtype '<i8'")
        try assertRejects(npyBytes(dict: "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }", data: f64(values)), "big-endian")
        try assertRejects(npyBytes(dict: good, version: (4, 0), data: f64(values)), "version 4.0")
        try assertRejects(Array("NUMPX".utf8) + [0, 1, 0, 0, 0, 0], "magic")
        try assertRejects([0x93] + Array("NUMPY".utf8), "shorter")
        // Header length larger than what is present.
        try assertRejects([0x93] + Array("NUMPY".utf8) + [1, 0, 0x76, 0] + Array("{'descr'".utf8), "truncated header")
        // Data: one element short, one element too many.
        try assertRejects(npyBytes(dict: good, data: Array(f64(values).dropLast(8))), "truncated data")
        try assertRejects(npyBytes(dict: good, data: f64(values + [1])), "trailing")
        // float32 data under a float64 header: shape × itemsize mismatch.
        try assertRejects(npyBytes(dict: good, data: f32(values.map(Float.init))), "needs 48 bytes")
        // Element count overflows Int: refused from the header, before any allocation.
        try assertRejects(npyBytes(dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", data: []), "more elements")
        try assertRejects(npyBytes(dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }", data: []), "overflows")
        try assertRejects(npyBytes(dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }", data: []), "too large")
        try assertRejects(npyBytes(dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 3), }", data: []), "non-negative integer")
        try assertRejects(npyBytes(dict: "{'descr': '<f8', 'fortran_order': False}", data: []), "header keys")
        try assertRejects(npyBytes(dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), ", data: []), "expected")
        try assertRejects(npyBytes(dict: "{'descr': '<f8', 'fortran_order': Nope, 'shape': (2, 3), }", data: []), "unexpected value")
        try assertRejects(npyBytes(dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }", data: f64(values)),
                          "3 dimensions", matrix: true)
        try assertRejects(npyBytes(dict: good, data: f64([0, 1, .nan, 3, 4, 5])), "row 1 column 3", matrix: true)
        XCTAssertThrowsError(try NPY.read(path("missing.npy"))) { e in
            XCTAssertTrue("\(e)".contains("cannot open"), "\(e)")
        }
    }
}
