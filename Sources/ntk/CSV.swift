import Foundation
import NTKCore

/// A bad-input error of the `ntk` tool: printed as one line on stderr, exit code 2.
struct InputError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Plain numeric CSV: one row per input, comma-separated, no header.
enum CSV {
    /// Reads a numeric matrix. Rejects a missing/unreadable/empty file, ragged rows,
    /// non-numbers and non-finite values, naming the file, line and column.
    static func readMatrix(_ path: String) throws -> Matrix {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError("cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError("\(path) is not UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
        while let last = lines.last, last.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.removeLast() }
        guard !lines.isEmpty else { throw InputError("\(path) is empty (expected one row of numbers per input)") }
        var storage = [Double]()
        var columns = -1
        for (li, line) in lines.enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if columns < 0 { columns = fields.count }
            guard fields.count == columns else {
                throw InputError("\(path) line \(li + 1) has \(fields.count) values, line 1 has \(columns) (ragged rows)")
            }
            for (ci, f) in fields.enumerated() {
                let t = f.trimmingCharacters(in: .whitespaces)
                guard let v = Double(t) else {
                    throw InputError("\(path) line \(li + 1) column \(ci + 1): '\(t)' is not a number")
                }
                guard v.isFinite else {
                    throw InputError("\(path) line \(li + 1) column \(ci + 1): '\(t)' is not finite")
                }
                storage.append(v)
            }
        }
        return Matrix(rows: lines.count, columns: columns, storage: storage)
    }

    /// The matrix as CSV with full double precision (%.17g round-trips every Double).
    static func format(_ m: Matrix) -> String {
        var out = [UInt8]()
        out.reserveCapacity(m.rows * m.columns * 24)
        var buf = [CChar](repeating: 0, count: 40)
        for i in 0..<m.rows {
            for j in 0..<m.columns {
                if j > 0 { out.append(UInt8(ascii: ",")) }
                let n = buf.withUnsafeMutableBufferPointer { p in
                    withVaList([m[i, j]]) { vsnprintf(p.baseAddress, 40, "%.17g", $0) }
                }
                buf.withUnsafeBufferPointer { p in
                    for k in 0..<Int(n) { out.append(UInt8(bitPattern: p[k])) }
                }
            }
            out.append(UInt8(ascii: "\n"))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
