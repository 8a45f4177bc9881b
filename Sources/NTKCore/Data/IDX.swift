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

    /// Parses an in-memory (already decompressed) IDX buffer.
    ///
    /// - Throws: `DataError` for a wrong magic number, zero or absurd dimensions, truncated data
    ///   or trailing garbage. `name` is used in the messages.
    public init(parsing data: [UInt8], name: String, expectedDimensions: Int? = nil) throws {
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
            total = total.multipliedReportingOverflow(by: v).partialValue
            guard total <= 1 << 33 else { throw DataError.badDimensions(name, "sizes \(dims + [v]) are implausibly large") }
            dims.append(v)
        }
        let body = data.count - header
        if body < total { throw DataError.truncated(name, expected: total, got: body) }
        if body > total { throw DataError.trailingData(name, extra: body - total) }
        dimensions = dims
        bytes = Array(data[header...])
    }

    /// Reads a gzip-compressed (or plain) IDX file through zlib.
    public init(contentsOfFile path: String, expectedDimensions: Int? = nil) throws {
        let raw = try IDXArray.readGzip(path)
        try self.init(parsing: raw, name: path, expectedDimensions: expectedDimensions)
    }

    static func be32(_ d: [UInt8], _ o: Int) -> UInt32 {
        UInt32(d[o]) << 24 | UInt32(d[o + 1]) << 16 | UInt32(d[o + 2]) << 8 | UInt32(d[o + 3])
    }

    /// Decompresses a .gz file with zlib's gzread (plain files pass through unchanged).
    /// A truncated or corrupt gzip stream is an error, not a short read.
    public static func readGzip(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError.missingFile(path, hint: "Run `make data` to fetch MNIST.")
        }
        guard let gz = gzopen(path, "rb") else {
            throw DataError.unreadable(path, reason: String(cString: strerror(errno)))
        }
        defer { gzclose(gz) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(gz, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                var errnum: Int32 = 0
                let msg = gzerror(gz, &errnum).map { String(cString: $0) } ?? "zlib error"
                throw DataError.unreadable(path, reason: "gzip: \(msg)")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<Int(n)])
        }
        // gzread returns 0 both at a clean end and at a premature one; gzerror tells them apart.
        var errnum: Int32 = 0
        let msg = gzerror(gz, &errnum)
        if errnum != Z_OK {
            throw DataError.unreadable(path, reason: "gzip: \(msg.map { String(cString: $0) } ?? "error \(errnum)")")
        }
        return out
    }
}
