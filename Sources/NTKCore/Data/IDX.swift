import Foundation
import CZlib

/// Errors from reading IDX files (MNIST's format) and from the data checks around them.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
    case missingFile(String, hint: String)
    case unreadable(String, reason: String)
    case truncated(String, expected: Int, got: Int)
    case badMagic(String, found: UInt32)
    case badDimensions(String, String)
    case trailingData(String, extra: Int)
    case checksumMismatch(String, expected: String, actual: String)
    case noChecksum(String, listing: String)
    case invalidLabel(String, index: Int, value: UInt8)
    case trailingCompressedData(String, extra: Int)
    case badChecksumListing(String, reason: String)
    case tooLarge(String, String)

    public var description: String {
        switch self {
        case .missingFile(let p, let hint): return "\(p): file not found. \(hint)"
        case .unreadable(let p, let r): return "\(p): cannot read (\(r))"
        case .truncated(let p, let e, let g):
            return "\(p): truncated IDX file: header promises \(e) bytes of data, found \(g)"
        case .badMagic(let p, let m):
            return "\(p): not an IDX file of unsigned bytes (magic number 0x\(String(m, radix: 16)), expected 0x801 or 0x803)"
        case .badDimensions(let p, let what): return "\(p): bad IDX dimensions: \(what)"
        case .trailingData(let p, let extra): return "\(p): \(extra) unexpected bytes after the IDX data"
        case .checksumMismatch(let p, let e, let a):
            return "\(p): SHA-256 mismatch (expected \(e), got \(a)); run `make data` to fetch a good copy"
        case .noChecksum(let p, let l): return "\(p): no SHA-256 entry for this file in \(l)"
        case .invalidLabel(let p, let i, let v): return "\(p): label \(i) is \(v), expected 0-9"
        case .trailingCompressedData(let p, let extra):
            return "\(p): \(extra) unexpected bytes after the end of the gzip stream"
        case .badChecksumListing(let p, let r): return "\(p): not a SHA-256 listing (\(r)); run `make data` to restore it"
        case .tooLarge(let p, let what): return "\(p): \(what)"
        }
    }
}

/// An IDX array of unsigned bytes (LeCun's format for MNIST): big-endian magic
/// 0x00000800 | ndims, then ndims big-endian UInt32 sizes, then the bytes, row-major.
public struct IDXArray: Sendable {
    /// Sizes of each dimension, outermost first.
    public let dimensions: [Int]
    /// The raw unsigned bytes, row-major.
    public let bytes: [UInt8]

    /// Largest body accepted, in bytes (MNIST's biggest file is 47 MB): a header promising more
    /// is refused before anything is allocated.
    public static let maxBodyBytes = 1 << 31

    /// Parses the magic number and dimensions from the first bytes of an IDX stream; returns
    /// the dimensions, the header length and the body size, with every product checked for
    /// overflow and against `maxBodyBytes`.
    static func parseHeader(_ data: [UInt8], name: String, expectedDimensions: Int?) throws -> (dims: [Int], header: Int, total: Int) {
        guard data.count >= 4 else { throw DataError.truncated(name, expected: 4, got: data.count) }
        let magic = IDXArray.be32(data, 0)
        // Third byte 0x08 = unsigned byte; fourth byte = number of dimensions.
        guard magic >> 8 == 0x08, (1...4).contains(magic & 0xFF) else {
            throw DataError.badMagic(name, found: magic)
        }
        let nd = Int(magic & 0xFF)
        if let e = expectedDimensions, e != nd {
            throw DataError.badDimensions(name, "\(nd) dimensions, expected \(e)")
        }
        let header = 4 + 4 * nd
        guard data.count >= header else { throw DataError.truncated(name, expected: header, got: data.count) }
        var dims = [Int]()
        var total = 1
        for d in 0..<nd {
            let v = Int(IDXArray.be32(data, 4 + 4 * d))
            guard v > 0 else { throw DataError.badDimensions(name, "dimension \(d) is zero") }
            let (t, overflow) = total.multipliedReportingOverflow(by: v)
            guard !overflow, t <= maxBodyBytes else {
                throw DataError.badDimensions(name, "sizes \(dims + [v]) are implausibly large (more than \(maxBodyBytes) bytes)")
            }
            total = t
            dims.append(v)
        }
        return (dims, header, total)
    }

    /// Parses an in-memory (already decompressed) IDX buffer.
    ///
    /// - Throws: `DataError` for a wrong magic number, zero or absurd dimensions, truncated data
    ///   or trailing garbage. `name` is used in the messages.
    public init(parsing data: [UInt8], name: String, expectedDimensions: Int? = nil) throws {
        let (dims, header, total) = try IDXArray.parseHeader(data, name: name, expectedDimensions: expectedDimensions)
        let body = data.count - header
        if body < total { throw DataError.truncated(name, expected: total, got: body) }
        if body > total { throw DataError.trailingData(name, extra: body - total) }
        dimensions = dims
        bytes = Array(data[header...])
    }

    /// Parses a file's bytes: a gzip stream (magic 1f 8b) decompressed through zlib, or a plain
    /// IDX buffer. The decompressed size is bounded by what the IDX header announces: the body
    /// is allocated only after the header has been checked (and against the memory available),
    /// inflating stops as soon as the stream gives more than announced, and bytes after the end
    /// of the gzip stream are rejected.
    public init(fileBytes: [UInt8], name: String, expectedDimensions: Int? = nil) throws {
        guard fileBytes.count >= 2, fileBytes[0] == 0x1F, fileBytes[1] == 0x8B else {
            try self.init(parsing: fileBytes, name: name, expectedDimensions: expectedDimensions)
            return
        }
        let z = try Inflater(fileBytes, name: name)
        var head = try z.read(4)
        if head.count == 4, IDXArray.be32(head, 0) >> 8 == 0x08 {
            head += try z.read(4 * Int(head[3] & 0x0F))
        }
        let (dims, _, total) = try IDXArray.parseHeader(head, name: name, expectedDimensions: expectedDimensions)
        // Deflate expands at most 1032:1, so a header announcing more than that from this file
        // is refused before the body is allocated (a 100-byte file must not cost 2 GB).
        let (ceiling, overflow) = fileBytes.count.multipliedReportingOverflow(by: Inflater.maxRatio)
        if !overflow, total > ceiling {
            throw DataError.unreadable(name, reason: "gzip: \(fileBytes.count) compressed bytes cannot hold the \(total)-byte body its IDX header announces (deflate expands at most \(Inflater.maxRatio):1)")
        }
        try MemoryBudget.require(bytes: total, for: "\(name): its \(dims) array")
        let body = try z.read(total)
        if body.count < total { throw DataError.truncated(name, expected: total, got: body.count) }
        var extra = 0
        while true {
            let more = try z.read(1 << 16)
            if more.isEmpty { break }
            extra += more.count
            if extra > 1 << 24 { break }   // enough to report; do not inflate a bomb to its end
        }
        if extra > 0 { throw DataError.trailingData(name, extra: extra) }
        if z.trailingInput > 0 { throw DataError.trailingCompressedData(name, extra: z.trailingInput) }
        self.init(dimensions: dims, bytes: body)
    }

    init(dimensions: [Int], bytes: [UInt8]) {
        self.dimensions = dimensions
        self.bytes = bytes
    }

    /// Reads a gzip-compressed (or plain) IDX file.
    public init(contentsOfFile path: String, expectedDimensions: Int? = nil) throws {
        let raw = try IDXArray.readFile(path)
        try self.init(fileBytes: raw, name: path, expectedDimensions: expectedDimensions)
    }

    static func be32(_ d: [UInt8], _ o: Int) -> UInt32 {
        UInt32(d[o]) << 24 | UInt32(d[o + 1]) << 16 | UInt32(d[o + 2]) << 8 | UInt32(d[o + 3])
    }

    /// A file's raw (still compressed) bytes; a regular file whose size fits in memory.
    static func readFile(_ path: String) throws -> [UInt8] {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { throw DataError.missingFile(path, hint: "Run `make data` to fetch MNIST.") }
            throw DataError.unreadable(path, reason: String(cString: strerror(errno)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw DataError.unreadable(path, reason: "not a regular file") }
        guard Int(st.st_size) <= maxBodyBytes else {
            throw DataError.tooLarge(path, "\(st.st_size) bytes is more than any IDX file this reader accepts (\(maxBodyBytes))")
        }
        try MemoryBudget.require(bytes: Int(st.st_size), for: "reading \(path)")
        guard let d = FileManager.default.contents(atPath: path) else {
            throw DataError.unreadable(path, reason: "cannot open")
        }
        return [UInt8](d)
    }

    /// Decompresses a .gz file (plain files pass through unchanged), without any IDX bound;
    /// kept for callers that want the raw stream. Trailing bytes after the stream are an error.
    public static func readGzip(_ path: String) throws -> [UInt8] {
        let raw = try readFile(path)
        guard raw.count >= 2, raw[0] == 0x1F, raw[1] == 0x8B else { return raw }
        let z = try Inflater(raw, name: path)
        var out = [UInt8]()
        while true {
            let more = try z.read(1 << 20)
            if more.isEmpty { break }
            out += more
        }
        if z.trailingInput > 0 { throw DataError.trailingCompressedData(path, extra: z.trailingInput) }
        return out
    }
}

/// One gzip member inflated through zlib's `inflate` (windowBits 15 + 16: gzip wrapper, CRC
/// and length checked by zlib), read in bounded pieces. A truncated or corrupt stream is a
/// `DataError.unreadable`, never a short read.
final class Inflater {
    let input: [UInt8]
    let name: String
    /// zlib keeps a pointer back to its z_stream, so it lives at a fixed heap address.
    let strm = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    var finished = false
    /// Input bytes consumed so far.
    var consumed = 0
    /// Bytes of input left after the end of the gzip stream.
    var trailingInput = 0
    static let step = 1 << 30
    /// Deflate's largest expansion: one 258-byte match per 2 bits, i.e. 1032 output bytes per
    /// input byte (zlib's technical details, "maximum compression factor").
    static let maxRatio = 1032

    init(_ input: [UInt8], name: String) throws {
        self.input = input
        self.name = name
        strm.initialize(to: z_stream())
        let rc = inflateInit2_(strm, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            finished = true
            throw DataError.unreadable(name, reason: "gzip: inflateInit failed (\(rc))")
        }
    }

    deinit {
        if !finished { inflateEnd(strm) }
        strm.deallocate()
    }

    func fail(_ reason: String) -> DataError {
        if !finished { inflateEnd(strm) }
        finished = true
        return DataError.unreadable(name, reason: "gzip: \(reason)")
    }

    /// Up to `count` more decompressed bytes (fewer only at the end of the stream).
    func read(_ count: Int) throws -> [UInt8] {
        guard count > 0, !finished else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        var produced = 0
        var error: DataError?
        input.withUnsafeBufferPointer { pin in
            out.withUnsafeMutableBufferPointer { pout in
                while produced < count {
                    let inLeft = min(input.count - consumed, Inflater.step)
                    let want = min(count - produced, Inflater.step)
                    strm.pointee.next_in = UnsafeMutablePointer(mutating: pin.baseAddress.map { $0 + consumed })
                    strm.pointee.avail_in = UInt32(inLeft)
                    strm.pointee.next_out = pout.baseAddress! + produced
                    strm.pointee.avail_out = UInt32(want)
                    let rc = inflate(strm, Z_NO_FLUSH)
                    let usedIn = inLeft - Int(strm.pointee.avail_in), gotOut = want - Int(strm.pointee.avail_out)
                    consumed += usedIn
                    produced += gotOut
                    if rc == Z_STREAM_END {
                        finished = true
                        trailingInput = input.count - consumed
                        inflateEnd(strm)
                        return
                    }
                    if rc == Z_OK || rc == Z_BUF_ERROR {
                        if usedIn == 0 && gotOut == 0 && consumed == input.count {
                            error = fail("unexpected end of file (truncated stream)")
                            return
                        }
                        continue
                    }
                    error = fail(strm.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)")
                    return
                }
            }
        }
        if let error { throw error }
        return produced == count ? out : Array(out[0..<produced])
    }
}
