import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `.npy` file that cannot be read or written, with the path and what is wrong.
public struct NPYError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
}

/// Element types this reader and writer support: little-endian IEEE float64 and float32.
public enum NPYDType: String, Sendable, CaseIterable {
    case float64 = "<f8"
    case float32 = "<f4"

    /// Bytes per element.
    public var itemSize: Int { self == .float64 ? 8 : 4 }
}

/// An array read from a `.npy` file: its shape (C order) and its elements widened to Double.
public struct NPYArray: Sendable, Equatable {
    public var shape: [Int]
    public var dtype: NPYDType
    public var values: [Double]
}

/// NumPy's `.npy` format (numpy.lib.format, versions 1.0 and 2.0; 3.0 is read too, it only
/// differs by allowing UTF-8 in the header):
///
/// ```
/// "\x93NUMPY" major minor  header_len (uint16 LE for 1.0, uint32 LE for 2.0/3.0)
/// "{'descr': '<f8', 'fortran_order': False, 'shape': (N, M), }" + spaces + "\n"
/// raw little-endian elements in C (row-major) order
/// ```
///
/// Supported: dtypes `<f8` and `<f4` (also spelled `=`/no byte order mark on this little-endian
/// host), C order, any shape. Everything else — Fortran order, other dtypes, big-endian, bad or
/// truncated headers, a data section whose length is not shape × itemsize, shapes whose
/// element count overflows — is rejected with an `NPYError` saying what is wrong. The sizes
/// are checked against the file length before any element buffer is allocated.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]   // "\x93NUMPY"
    /// numpy pads the header so that the data starts at a multiple of 64 bytes.
    static let alignment = 64
    /// numpy's own limit on the header length (`_MAX_HEADER_SIZE`); a larger one is hostile.
    static let maxHeaderLength = 10_000

    // MARK: - Reading

    /// The parsed header: shape, dtype and the byte offset of the data.
    public struct Header: Sendable, Equatable {
        public var shape: [Int]
        public var dtype: NPYDType
        public var dataOffset: Int
        /// Number of elements (product of the shape; checked for overflow).
        public var count: Int
    }

    /// Parses the header at the start of `bytes` (which may be just a prefix of the file).
    ///
    /// - Parameter name: used in error messages.
    public static func parseHeader(_ bytes: [UInt8], name: String) throws -> Header {
        func fail(_ s: String) -> NPYError { NPYError(path: name, reason: s) }
        guard bytes.count >= 8 else { throw fail("not a .npy file (shorter than the 8-byte magic and version)") }
        guard Array(bytes[0..<6]) == magic else { throw fail("not a .npy file (magic string \\x93NUMPY missing)") }
        let major = bytes[6], minor = bytes[7]
        let lengthBytes: Int
        switch (major, minor) {
        case (1, 0): lengthBytes = 2
        case (2, 0), (3, 0): lengthBytes = 4
        default: throw fail("unsupported .npy version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        guard bytes.count >= 8 + lengthBytes else { throw fail("truncated header (no header length)") }
        var hlen = 0
        for k in 0..<lengthBytes { hlen |= Int(bytes[8 + k]) << (8 * k) }
        guard hlen <= maxHeaderLength else { throw fail("header length \(hlen) exceeds \(maxHeaderLength) bytes") }
        let start = 8 + lengthBytes
        guard bytes.count >= start + hlen else {
            throw fail("truncated header (declares \(hlen) bytes, \(bytes.count - start) present)")
        }
        let headerBytes = Array(bytes[start..<(start + hlen)])
        guard let text = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("header is not valid text")
        }
        var parser = HeaderParser(text: Array(text.unicodeScalars), name: name)
        let dict = try parser.parseDictionary()
        let keys = Set(dict.keys)
        guard keys == ["descr", "fortran_order", "shape"] else {
            throw fail("header keys are \(keys.sorted()), expected descr, fortran_order, shape")
        }
        guard case .string(let descr)? = dict["descr"] else { throw fail("header 'descr' is not a string") }
        guard case .bool(let fortran)? = dict["fortran_order"] else { throw fail("header 'fortran_order' is not True or False") }
        guard case .tuple(let shape)? = dict["shape"] else { throw fail("header 'shape' is not a tuple of integers") }
        let dtype: NPYDType
        switch descr {
        case "<f8", "=f8", "f8", "<d", "=d", "d": dtype = .float64
        case "<f4", "=f4", "f4", "<f", "=f", "f": dtype = .float32
        case ">f8", ">f4", ">d", ">f":
            throw fail("big-endian dtype '\(descr)' is not supported (use little-endian float64 '<f8' or float32 '<f4')")
        default:
            throw fail("unsupported dtype '\(descr)' (supported: float64 '<f8', float32 '<f4')")
        }
        guard !fortran else {
            throw fail("Fortran-order (column-major) arrays are not supported; save with numpy.ascontiguousarray or order='C'")
        }
        var count = 1
        for d in shape {
            let (p, o) = count.multipliedReportingOverflow(by: d)
            guard !o else { throw fail("shape \(shapeText(shape)) has more elements than fit in memory addressing") }
            count = p
        }
        let (bytesNeeded, o2) = count.multipliedReportingOverflow(by: dtype.itemSize)
        guard !o2, bytesNeeded <= Int.max - (start + hlen) else {
            throw fail("shape \(shapeText(shape)) × \(dtype.itemSize) bytes overflows")
        }
        return Header(shape: shape, dtype: dtype, dataOffset: start + hlen, count: count)
    }

    /// Reads a whole `.npy` file. The file length is checked against shape × itemsize before
    /// the element array is allocated; float32 data is read in chunks and widened.
    public static func read(_ path: String) throws -> NPYArray {
        func fail(_ s: String) -> NPYError { NPYError(path: path, reason: s) }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw fail("cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw fail("cannot stat (\(String(cString: strerror(errno))))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw fail("not a regular file") }
        let fileSize = Int(st.st_size)
        let prefix = try readBytes(fd, count: Swift.min(fileSize, 12 + maxHeaderLength), path: path)
        let h = try parseHeader(prefix, name: path)
        let dataBytes = h.count * h.dtype.itemSize
        let present = fileSize - h.dataOffset
        guard present == dataBytes else {
            if present < dataBytes {
                throw fail("truncated data: shape \(shapeText(h.shape)) of \(h.dtype.rawValue) needs \(dataBytes) bytes, file has \(present)")
            }
            throw fail("data section has \(present) bytes, shape \(shapeText(h.shape)) of \(h.dtype.rawValue) needs \(dataBytes) (trailing bytes)")
        }
        guard lseek(fd, off_t(h.dataOffset), SEEK_SET) == off_t(h.dataOffset) else { throw fail("cannot seek to the data") }
        var values = [Double](repeating: 0, count: h.count)
        switch h.dtype {
        case .float64:
            try values.withUnsafeMutableBytes { raw in
                try readFully(fd, into: raw, path: path)
            }
            #if _endian(big)
            for i in values.indices { values[i] = Double(bitPattern: values[i].bitPattern.byteSwapped) }
            #endif
        case .float32:
            let chunk = 1 << 16
            var buf = [Float](repeating: 0, count: chunk)
            var done = 0
            while done < h.count {
                let n = Swift.min(chunk, h.count - done)
                try buf.withUnsafeMutableBytes { raw in
                    try readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<(n * 4)]), path: path)
                }
                for k in 0..<n { values[done + k] = Double(buf[k]) }
                done += n
            }
        }
        return NPYArray(shape: h.shape, dtype: h.dtype, values: values)
    }

    /// Reads a `.npy` file as a matrix: 2-D (N, M) as N×M, 1-D (N,) as an N×1 column, 0-D as 1×1.
    ///
    /// - Parameter requireFinite: reject NaN/±∞, naming the first offending element.
    public static func readMatrix(_ path: String, requireFinite: Bool = true) throws -> Matrix {
        let a = try read(path)
        let rows: Int, cols: Int
        switch a.shape.count {
        case 0: (rows, cols) = (1, 1)
        case 1: (rows, cols) = (a.shape[0], 1)
        case 2: (rows, cols) = (a.shape[0], a.shape[1])
        default:
            throw NPYError(path: path, reason: "array has \(a.shape.count) dimensions \(shapeText(a.shape)); expected a matrix (2-D) or a vector (1-D)")
        }
        if requireFinite, let k = a.values.firstIndex(where: { !$0.isFinite }) {
            let where_ = a.shape.count == 2 ? "row \(k / cols + 1) column \(k % cols + 1)" : "element \(k + 1)"
            throw NPYError(path: path, reason: "\(where_) is \(a.values[k]), not finite")
        }
        return Matrix(rows: rows, columns: cols, storage: a.values)
    }

    static func readBytes(_ fd: Int32, count: Int, path: String) throws -> [UInt8] {
        var b = [UInt8](repeating: 0, count: count)
        try b.withUnsafeMutableBytes { try readFully(fd, into: $0, path: path) }
        return b
    }

    static func readFully(_ fd: Int32, into raw: UnsafeMutableRawBufferPointer, path: String) throws {
        var off = 0
        while off < raw.count {
            let n = Glibc.read(fd, raw.baseAddress! + off, raw.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                throw NPYError(path: path, reason: "read failed (\(String(cString: strerror(errno))))")
            }
            if n == 0 { throw NPYError(path: path, reason: "file ended early (truncated)") }
            off += n
        }
    }

    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    // MARK: - Writing

    /// The header bytes (magic, version, length, padded dictionary) for a C-order array.
    /// Version 1.0 unless the header needs more than 65535 bytes (then 2.0).
    public static func header(shape: [Int], dtype: NPYDType) -> [UInt8] {
        let dict = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText(shape)), }"
        func build(_ lengthBytes: Int, major: UInt8) -> [UInt8]? {
            let pre = 8 + lengthBytes
            let unpadded = pre + dict.utf8.count + 1
            let total = (unpadded + alignment - 1) / alignment * alignment
            let hlen = total - pre
            if lengthBytes == 2 && hlen > 0xFFFF { return nil }
            var out = magic + [major, 0]
            for k in 0..<lengthBytes { out.append(UInt8((hlen >> (8 * k)) & 0xFF)) }
            out += Array(dict.utf8)
            out += [UInt8](repeating: 0x20, count: total - unpadded)
            out.append(0x0A)
            return out
        }
        return build(2, major: 1) ?? build(4, major: 2)!
    }

    /// The whole `.npy` encoding of a matrix (shape (rows, columns)) in memory.
    public static func encode(_ m: Matrix, dtype: NPYDType = .float64) -> Data {
        var d = Data(header(shape: [m.rows, m.columns], dtype: dtype))
        appendElements(m.storage[...], dtype: dtype, to: &d)
        return d
    }

    /// Appends the little-endian bytes of `v` (bulk copies, no per-element Data appends).
    static func appendElements(_ v: ArraySlice<Double>, dtype: NPYDType, to d: inout Data) {
        v.withUnsafeBufferPointer { p in
            switch dtype {
            case .float64:
                #if _endian(little)
                d.append(UnsafeBufferPointer(start: p.baseAddress, count: p.count))
                #else
                for x in p { withUnsafeBytes(of: x.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
                #endif
            case .float32:
                let f = p.map { Float($0).bitPattern.littleEndian }
                f.withUnsafeBufferPointer { d.append($0) }
            }
        }
    }

    /// Writes a matrix to `path` atomically (temporary file + rename).
    public static func write(_ m: Matrix, to path: String, dtype: NPYDType = .float64) throws {
        let w = try RowWriter(path: path, rows: m.rows, columns: m.columns, dtype: dtype)
        try m.storage.withUnsafeBufferPointer { p in
            var i = 0
            let block = Swift.max(1, (1 << 20) / Swift.max(1, m.columns))
            while i < m.rows {
                let n = Swift.min(block, m.rows - i)
                try w.append(UnsafeBufferPointer(rebasing: p[(i * m.columns)..<((i + n) * m.columns)]), rows: n)
                i += n
            }
        }
        try w.finish()
    }

    /// Streams a rows×columns C-order matrix to a `.npy` file a block of rows at a time, so a
    /// matrix larger than memory can be written with bounded memory. The data goes to a
    /// temporary file in the destination directory, renamed over `path` by `finish()`; a writer
    /// dropped before `finish()` (or with the wrong number of rows) removes its temporary file
    /// and leaves `path` untouched.
    public final class RowWriter {
        public let path: String
        public let rows: Int
        public let columns: Int
        public let dtype: NPYDType
        public private(set) var rowsWritten = 0
        let tmp: String
        var fd: Int32
        var buffer = Data()

        public init(path: String, rows: Int, columns: Int, dtype: NPYDType = .float64) throws {
            precondition(rows >= 0 && columns >= 0, "negative shape")
            self.path = path
            self.rows = rows
            self.columns = columns
            self.dtype = dtype
            let url = URL(fileURLWithPath: path)
            let dir = url.deletingLastPathComponent().path
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw OutputError(path: path, reason: "cannot create directory \(dir) (\(error.localizedDescription))")
            }
            tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())"
            fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if fd < 0 { throw OutputError(path: path, reason: String(cString: strerror(errno))) }
            buffer.append(contentsOf: NPY.header(shape: [rows, columns], dtype: dtype))
        }

        deinit {
            if fd >= 0 {
                close(fd)
                unlink(tmp)
            }
        }

        /// Appends `count` rows given as count·columns row-major values.
        public func append(_ values: UnsafeBufferPointer<Double>, rows count: Int) throws {
            precondition(fd >= 0, "RowWriter used after finish()")
            precondition(values.count == count * columns, "append: \(values.count) values for \(count) rows of \(columns)")
            guard rowsWritten + count <= rows else {
                throw OutputError(path: path, reason: "more rows appended than the declared \(rows)")
            }
            NPY.appendElements(ArraySlice(values), dtype: dtype, to: &buffer)
            rowsWritten += count
            if buffer.count >= 1 << 22 { try flush() }
        }

        /// Appends one row.
        public func append(row: [Double]) throws {
            try row.withUnsafeBufferPointer { try append($0, rows: 1) }
        }

        /// Appends the rows of a matrix.
        public func append(_ m: Matrix) throws {
            precondition(m.columns == columns, "append: matrix has \(m.columns) columns, writer \(columns)")
            try m.storage.withUnsafeBufferPointer { try append($0, rows: m.rows) }
        }

        func flush() throws {
            var failure: String?
            buffer.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = String(cString: strerror(errno)); return
                    }
                    off += n
                }
            }
            buffer.removeAll(keepingCapacity: true)
            if let failure { throw OutputError(path: path, reason: failure) }
        }

        /// Checks that every declared row was written, flushes to disk and renames into place.
        public func finish() throws {
            precondition(fd >= 0, "RowWriter.finish() called twice")
            guard rowsWritten == rows else {
                throw OutputError(path: path, reason: "\(rowsWritten) rows written, \(rows) declared")
            }
            try flush()
            var failure: String?
            if fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
            if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
            fd = -1
            if let f = failure {
                unlink(tmp)
                throw OutputError(path: path, reason: f)
            }
            if rename(tmp, path) != 0 {
                let f = String(cString: strerror(errno))
                unlink(tmp)
                throw OutputError(path: path, reason: f)
            }
        }
    }
}

/// A parser for the Python-literal dictionary of a `.npy` header: string keys; values are
/// strings, True/False or tuples of non-negative integers.
struct HeaderParser {
    enum Value: Equatable { case string(String), bool(Bool), tuple([Int]) }
    let text: [Unicode.Scalar]
    let name: String
    var i = 0

    init(text: [Unicode.Scalar], name: String) {
        self.text = text
        self.name = name
    }

    func fail(_ s: String) -> NPYError { NPYError(path: name, reason: "bad header: \(s)") }

    mutating func skipSpace() {
        while i < text.count, text[i] == " " || text[i] == "\t" || text[i] == "\n" || text[i] == "\r" { i += 1 }
    }

    mutating func expect(_ c: Unicode.Scalar) throws {
        skipSpace()
        guard i < text.count, text[i] == c else {
            throw fail("expected '\(c)' at character \(i + 1)")
        }
        i += 1
    }

    mutating func peek() -> Unicode.Scalar? {
        skipSpace()
        return i < text.count ? text[i] : nil
    }

    mutating func parseString() throws -> String {
        skipSpace()
        guard i < text.count, text[i] == "'" || text[i] == "\"" else { throw fail("expected a quoted string at character \(i + 1)") }
        let q = text[i]
        i += 1
        var s = ""
        while i < text.count, text[i] != q {
            guard text[i] != "\\" else { throw fail("escape sequences are not supported in header strings") }
            s.unicodeScalars.append(text[i])
            i += 1
        }
        guard i < text.count else { throw fail("unterminated string") }
        i += 1
        return s
    }

    mutating func parseInt() throws -> Int {
        skipSpace()
        var digits = ""
        while i < text.count, ("0"..."9").contains(text[i]) { digits.unicodeScalars.append(text[i]); i += 1 }
        if i < text.count, text[i] == "L" { i += 1 }   // Python 2 long suffix
        guard !digits.isEmpty else { throw fail("expected a non-negative integer in the shape at character \(i + 1)") }
        guard let v = Int(digits) else { throw fail("shape dimension \(digits) is too large") }
        return v
    }

    mutating func parseValue() throws -> Value {
        guard let c = peek() else { throw fail("unexpected end") }
        switch c {
        case "'", "\"": return .string(try parseString())
        case "(":
            i += 1
            var dims = [Int]()
            while true {
                if peek() == ")" { i += 1; break }
                dims.append(try parseInt())
                if peek() == "," { i += 1; continue }
                try expect(")")
                break
            }
            return .tuple(dims)
        default:
            for (word, v) in [("True", true), ("False", false)] {
                let w = Array(word.unicodeScalars)
                if i + w.count <= text.count, Array(text[i..<(i + w.count)]) == w {
                    i += w.count
                    return .bool(v)
                }
            }
            throw fail("unexpected value at character \(i + 1)")
        }
    }

    mutating func parseDictionary() throws -> [String: Value] {
        try expect("{")
        var d = [String: Value]()
        while true {
            if peek() == "}" { i += 1; break }
            let k = try parseString()
            try expect(":")
            guard d[k] == nil else { throw fail("duplicate key '\(k)'") }
            d[k] = try parseValue()
            if peek() == "," { i += 1; continue }
            try expect("}")
            break
        }
        skipSpace()
        guard i == text.count else { throw fail("characters after the dictionary") }
        return d
    }
}
