import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bad CSV input: one line naming the file, line and column.
public struct CSVError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Plain numeric CSV: one row per input, comma-separated, no header, LF or CRLF line ends.
/// Parsed as bytes (Swift treats "\r\n" as one Character, so splitting a String on "\n" would
/// miss CRLF line ends).
public enum MatrixCSV {
    /// Parses a numeric matrix. Rejects empty input, ragged rows, non-numbers (including a NUL
    /// or any other control byte inside a field, which C's strtod would stop at) and non-finite
    /// values, naming `name`, the line and the column.
    public static func parse(_ bytes: [UInt8], name: String) throws -> Matrix {
        var lines = [ArraySlice<UInt8>]()
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0x0A {
            lines.append(bytes[start..<i])
            start = i + 1
        }
        lines.append(bytes[start..<bytes.count])
        lines = lines.map { $0.last == 0x0D ? $0.dropLast() : $0 }
        while let last = lines.last, last.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { lines.removeLast() }
        guard !lines.isEmpty else { throw CSVError("\(name) is empty (expected one row of numbers per input)") }
        var storage = [Double]()
        var columns = -1
        for (li, line) in lines.enumerated() {
            let fields = line.split(separator: 0x2C, omittingEmptySubsequences: false)
            if columns < 0 { columns = fields.count }
            guard fields.count == columns else {
                throw CSVError("\(name) line \(li + 1) has \(fields.count) values, line 1 has \(columns) (ragged rows)")
            }
            if storage.isEmpty { storage.reserveCapacity(columns * lines.count) }
            for (ci, f) in fields.enumerated() {
                var t = f[...]
                while let c = t.first, c == 0x20 || c == 0x09 { t = t.dropFirst() }
                while let c = t.last, c == 0x20 || c == 0x09 { t = t.dropLast() }
                let shown = escapingControlCharacters(String(decoding: t.prefix(40), as: UTF8.self))
                guard t.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                    throw CSVError("\(name) line \(li + 1) column \(ci + 1): '\(shown)' is not a number (contains a space, a control or a non-ASCII byte)")
                }
                guard let v = Double(String(decoding: t, as: UTF8.self)) else {
                    throw CSVError("\(name) line \(li + 1) column \(ci + 1): '\(shown)' is not a number")
                }
                guard v.isFinite else {
                    throw CSVError("\(name) line \(li + 1) column \(ci + 1): '\(shown)' is not finite")
                }
                storage.append(v)
            }
        }
        return Matrix(rows: lines.count, columns: columns, storage: storage)
    }

    /// Reads and parses a CSV file (the file size is checked against the memory available first).
    public static func read(_ path: String) throws -> Matrix {
        var st = stat()
        guard stat(path, &st) == 0 else { throw CSVError("cannot read \(path): \(String(cString: strerror(errno)))") }
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            // Text plus the parsed doubles: at least the file size again (≥ 2 bytes per number).
            try MemoryBudget.require(bytes: Int(st.st_size) * 5, for: "reading \(path) (\(Int(st.st_size)) bytes)")
        case S_IFDIR: throw CSVError("cannot read \(path): it is a directory")
        default: break
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CSVError("cannot read \(path): " + (access(path, R_OK) != 0 ? String(cString: strerror(errno)) : "not a regular file that can be read whole"))
        }
        return try parse([UInt8](data), name: path)
    }

    /// Appends row `i` of `m` as CSV with full double precision (%.17g round-trips every Double).
    static func appendRow(_ m: Matrix, _ i: Int, to out: inout [UInt8], scratch: inout [CChar]) {
        for j in 0..<m.columns {
            if j > 0 { out.append(UInt8(ascii: ",")) }
            let v = m[i, j]
            let n = scratch.withUnsafeMutableBufferPointer { p in
                withVaList([v]) { vsnprintf(p.baseAddress, 40, "%.17g", $0) }
            }
            scratch.withUnsafeBufferPointer { p in
                p.withMemoryRebound(to: UInt8.self) { out.append(contentsOf: $0[0..<Int(n)]) }
            }
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// The whole matrix as CSV text (small matrices; big ones go through `write`).
    public static func format(_ m: Matrix) -> String {
        var out = [UInt8]()
        var scratch = [CChar](repeating: 0, count: 40)
        for i in 0..<m.rows { appendRow(m, i, to: &out, scratch: &scratch) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Rows formatted per block when streaming: 1 MiB-ish of text per write.
    static func blockRows(columns: Int) -> Int { max(1, (1 << 20) / max(1, 24 * columns)) }

    /// Streams the matrix as CSV to `sink` a block of rows at a time (memory bounded by one
    /// block of text, independent of the matrix size).
    public static func stream(_ m: Matrix, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var out = [UInt8]()
        var scratch = [CChar](repeating: 0, count: 40)
        let block = blockRows(columns: m.columns)
        var i = 0
        while i < m.rows {
            out.removeAll(keepingCapacity: true)
            for r in i..<min(m.rows, i + block) { appendRow(m, r, to: &out, scratch: &scratch) }
            try out.withUnsafeBytes { try sink($0) }
            i += block
        }
    }
}

/// Output format of a matrix file, chosen by the file name: `.npy` (float64, C order) or CSV.
public enum MatrixFileFormat: String, Sendable {
    case csv, npy
    public static func forPath(_ path: String) -> MatrixFileFormat {
        path.lowercased().hasSuffix(".npy") ? .npy : .csv
    }
}

/// Writes a matrix to a path (through `AtomicFile.Output`: atomic for regular files, straight
/// into devices/FIFOs) or to standard output, streaming in row blocks.
public enum MatrixFile {
    public static func write(_ m: Matrix, to path: String, format: MatrixFileFormat? = nil,
                             npyType: NPYDType = .float64) throws {
        try stage(m, to: path, format: format, npyType: npyType).publish()
    }

    /// Writes the matrix to the temporary of `path` and flushes it to disk without publishing:
    /// several outputs staged first and published one after another are replaced together
    /// (a failure while staging leaves every destination untouched).
    public static func stage(_ m: Matrix, to path: String, format: MatrixFileFormat? = nil,
                             npyType: NPYDType = .float64) throws -> AtomicFile.Output {
        let out = try AtomicFile.Output(path: path)
        switch format ?? .forPath(path) {
        case .csv:
            try MatrixCSV.stream(m) { try out.write($0) }
        case .npy:
            try out.write(NPY.header(shape: [m.rows, m.columns], dtype: npyType))
            let block = max(1, (1 << 20) / max(1, m.columns))
            var i = 0
            while i < m.rows {
                let n = min(block, m.rows - i)
                var d = Data()
                NPY.appendElements(m.storage[(i * m.columns)..<((i + n) * m.columns)], dtype: npyType, to: &d)
                try out.write(d)
                i += n
            }
        }
        try out.prepare()
        return out
    }

    /// CSV to standard output in row blocks.
    public static func writeCSVToStandardOutput(_ m: Matrix) throws {
        try MatrixCSV.stream(m) { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(1, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw OutputError(path: "standard output", reason: String(cString: strerror(errno)))
                }
                off += n
            }
        }
    }
}
