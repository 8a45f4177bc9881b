import Foundation
import NTKCore
import _PNGShim

/// Errors of the plotting module. Write failures are `OutputError` (from `AtomicFile`), which
/// names the path; everything else is a `PlotError`.
public enum PlotError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The font file is missing; `package` is the Debian package that provides it.
    case fontNotFound(path: String, package: String)
    /// FreeType refused the font or a glyph.
    case freetype(operation: String, code: Int32)
    /// libpng failed to encode or decode.
    case png(String)
    /// The figure description is inconsistent (e.g. mismatched array lengths).
    case invalidFigure(String)

    public var description: String {
        switch self {
        case let .fontNotFound(path, package):
            return "font file \(path) not found: install the Debian package \(package) "
                + "(apt-get install \(package)) or set NTK_FONT to a TrueType file"
        case let .freetype(op, code): return "FreeType error \(code) in \(op)"
        case let .png(message): return "PNG error: \(message)"
        case let .invalidFigure(message): return "invalid figure: \(message)"
        }
    }
}

/// An 8-bit RGBA raster, rows top to bottom, tightly packed (`width * 4` bytes a row).
public struct RGBAImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 4, "RGBA buffer has the wrong size")
        self.width = width; self.height = height; self.pixels = pixels
    }

    /// The pixel at column `x`, row `y` (row 0 at the top) as (r, g, b, a).
    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
        let o = (y * width + x) * 4
        return (pixels[o], pixels[o + 1], pixels[o + 2], pixels[o + 3])
    }
}

/// PNG encoding and decoding through libpng (via the `_PNGShim` C target, which keeps
/// libpng's setjmp/longjmp error handling inside C).
public enum PNGCodec {
    /// zlib level used for every figure. Fixed so that output bytes depend only on the pixels
    /// and the text chunks.
    public static let compressionLevel: Int32 = 6

    /// Encodes `image` as an 8-bit PNG. Fully opaque images are stored as RGB, others as RGBA.
    /// `text` becomes tEXt chunks (iTXt for non-ASCII values), in the given order. No tIME
    /// chunk is written: equal inputs give byte-identical outputs.
    public static func encode(_ image: RGBAImage, text: [(key: String, value: String)] = []) throws -> Data {
        for (k, _) in text {
            guard (1...79).contains(k.utf8.count), k.allSatisfy({ $0.isASCII }), !k.hasPrefix(" "),
                  !k.hasSuffix(" ") else {
                throw PlotError.png("invalid text chunk keyword \"\(k)\" (1–79 ASCII characters)")
            }
        }
        let opaque = stride(from: 3, to: image.pixels.count, by: 4).allSatisfy { image.pixels[$0] == 255 }
        let channels: Int32 = opaque ? 3 : 4
        var packed: [UInt8]
        if opaque {
            packed = [UInt8](repeating: 0, count: image.width * image.height * 3)
            image.pixels.withUnsafeBufferPointer { src in
                packed.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<(image.width * image.height) {
                        dst[3 * i] = src[4 * i]; dst[3 * i + 1] = src[4 * i + 1]; dst[3 * i + 2] = src[4 * i + 2]
                    }
                }
            }
        } else {
            packed = image.pixels
        }
        // Strings are copied into C storage that lives until the call returns.
        let keys = text.map { strdup($0.key) }
        let values = text.map { strdup($0.value.replacingOccurrences(of: "\0", with: " ")) }
        defer { keys.forEach { free($0) }; values.forEach { free($0) } }
        let cKeys: [UnsafePointer<CChar>?] = keys.map { UnsafePointer($0) }
        let cValues: [UnsafePointer<CChar>?] = values.map { UnsafePointer($0) }
        var buffer = ntk_png_buffer(data: nil, size: 0, capacity: 0)
        var err = [CChar](repeating: 0, count: 512)
        let rc = packed.withUnsafeBufferPointer { px in
            cKeys.withUnsafeBufferPointer { kp in
                cValues.withUnsafeBufferPointer { vp in
                    err.withUnsafeMutableBufferPointer { ep in
                        ntk_png_encode(px.baseAddress, UInt32(image.width), UInt32(image.height), channels,
                                       kp.baseAddress, vp.baseAddress, Int32(text.count),
                                       compressionLevel, &buffer, ep.baseAddress, ep.count)
                    }
                }
            }
        }
        defer { ntk_png_buffer_free(&buffer) }
        guard rc == 0, let bytes = buffer.data else {
            throw PlotError.png(message(err))
        }
        return Data(bytes: bytes, count: buffer.size)
    }

    /// A decoded PNG: pixels as 8-bit RGBA and the text chunks in file order.
    public struct Decoded: Sendable {
        public var image: RGBAImage
        public var text: [(key: String, value: String)]
        /// The colour type stored in the file (2 = RGB, 6 = RGBA).
        public var storedColorType: Int
        public var storedBitDepth: Int
    }

    /// Decodes PNG bytes with libpng.
    public static func decode(_ data: Data) throws -> Decoded {
        var out = ntk_png_decoded()
        var err = [CChar](repeating: 0, count: 512)
        let rc = data.withUnsafeBytes { raw in
            err.withUnsafeMutableBufferPointer { ep in
                ntk_png_decode(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &out,
                               ep.baseAddress, ep.count)
            }
        }
        guard rc == 0 else { throw PlotError.png(message(err)) }
        defer { ntk_png_decoded_free(&out) }
        let n = Int(out.width) * Int(out.height) * 4
        let pixels = [UInt8](UnsafeBufferPointer(start: out.rgba, count: n))
        var text: [(key: String, value: String)] = []
        for i in 0..<Int(out.text_count) {
            text.append((String(cString: out.text_keys[i]!), String(cString: out.text_values[i]!)))
        }
        return Decoded(image: RGBAImage(width: Int(out.width), height: Int(out.height), pixels: pixels),
                       text: text, storedColorType: Int(out.color_type), storedBitDepth: Int(out.bit_depth))
    }

    /// The NUL-terminated message in a C error buffer.
    static func message(_ buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads and decodes the PNG file at `path`.
    public static func read(path: String) throws -> Decoded {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PlotError.png("cannot read \(path)")
        }
        return try decode(data)
    }

    /// Encodes `image` and writes it atomically to `path` (through `AtomicFile`).
    /// - Throws: `OutputError` naming `path` when the file cannot be written.
    public static func write(_ image: RGBAImage, to path: String,
                             text: [(key: String, value: String)] = []) throws {
        try AtomicFile.write(encode(image, text: text), to: path)
    }
}
