import CFreeType
import Foundation

/// Text rendering with FreeType: anti-aliased 8-bit coverage glyphs from a TrueType font
/// (DejaVu Sans by default, Debian package `fonts-dejavu-core`).
///
/// Not `Sendable`: one instance lives inside one `Figure.render()` call.
final class FontRenderer {
    /// The default font file and the package that provides it.
    static let defaultPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    static let defaultPackage = "fonts-dejavu-core"
    /// Environment variable that overrides the font file.
    static let environmentKey = "NTK_FONT"

    /// The font file in use: `$NTK_FONT` if set and non-empty, else DejaVu Sans.
    static func resolvedPath() -> String {
        if let p = ProcessInfo.processInfo.environment[environmentKey], !p.isEmpty { return p }
        return defaultPath
    }

    private var library: FT_Library?
    private var face: FT_Face?
    private var currentSize: Int = -1
    private var cache: [GlyphKey: Glyph] = [:]

    struct GlyphKey: Hashable { let scalar: UInt32; let size: Int }

    /// One rendered glyph: coverage bitmap plus placement relative to the pen position.
    struct Glyph {
        let bitmap: [UInt8]
        let width: Int, rows: Int
        let left: Int, top: Int
        /// Advance in 1/64 pixel.
        let advance: Int
        let index: UInt32
    }

    /// A line of text rendered into a coverage buffer.
    struct RenderedText {
        var coverage: [UInt8]
        var width: Int
        var height: Int
        /// Row of the baseline, from the top of the buffer.
        var baseline: Int
    }

    init(path: String = FontRenderer.resolvedPath()) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw PlotError.fontNotFound(path: path, package: FontRenderer.defaultPackage)
        }
        var lib: FT_Library?
        var rc = FT_Init_FreeType(&lib)
        guard rc == 0 else { throw PlotError.freetype(operation: "FT_Init_FreeType", code: rc) }
        library = lib
        var f: FT_Face?
        rc = FT_New_Face(lib, path, 0, &f)
        guard rc == 0 else {
            FT_Done_FreeType(lib)
            library = nil
            throw PlotError.freetype(operation: "FT_New_Face(\(path))", code: rc)
        }
        face = f
    }

    deinit {
        if let f = face { FT_Done_Face(f) }
        if let l = library { FT_Done_FreeType(l) }
    }

    /// Pixel size is quantised to 1/64 px (FreeType's 26.6 fixed point).
    private func setSize(_ size64: Int) throws {
        guard size64 != currentSize else { return }
        let rc = FT_Set_Char_Size(face, 0, FT_F26Dot6(size64), 72, 72)
        guard rc == 0 else { throw PlotError.freetype(operation: "FT_Set_Char_Size", code: rc) }
        currentSize = size64
    }

    /// FT_LOAD_TARGET_LIGHT: light vertical-only hinting (FT_LOAD_TARGET_(FT_RENDER_MODE_LIGHT)),
    /// which keeps glyph shapes close to the design while staying crisp.
    private static let loadFlags = Int32(FT_LOAD_RENDER) | Int32(FT_RENDER_MODE_LIGHT.rawValue << 16)

    private func glyph(_ scalar: UInt32, size64: Int) throws -> Glyph {
        let key = GlyphKey(scalar: scalar, size: size64)
        if let g = cache[key] { return g }
        try setSize(size64)
        guard let face else { throw PlotError.freetype(operation: "no face", code: -1) }
        let index = FT_Get_Char_Index(face, FT_ULong(scalar))
        let rc = FT_Load_Glyph(face, index, Self.loadFlags)
        guard rc == 0 else { throw PlotError.freetype(operation: "FT_Load_Glyph(U+\(String(scalar, radix: 16)))", code: rc) }
        let slot = face.pointee.glyph!.pointee
        let bm = slot.bitmap
        let w = Int(bm.width), h = Int(bm.rows)
        var bytes = [UInt8](repeating: 0, count: w * h)
        if w > 0 && h > 0, let buf = bm.buffer {
            let pitch = Int(bm.pitch)
            for y in 0..<h {
                let row = pitch >= 0 ? y : (h - 1 - y)
                for x in 0..<w { bytes[y * w + x] = buf[row * abs(pitch) + x] }
            }
        }
        let g = Glyph(bitmap: bytes, width: w, rows: h, left: Int(slot.bitmap_left), top: Int(slot.bitmap_top),
                      advance: Int(slot.advance.x), index: index)
        cache[key] = g
        return g
    }

    /// Ascent and descent (both positive, pixels) of the font at `size` pixels per em.
    func lineMetrics(size: Double) throws -> (ascent: Double, descent: Double) {
        let s64 = Int((size * 64).rounded())
        try setSize(s64)
        let m = face!.pointee.size.pointee.metrics
        return (Double(m.ascender) / 64, Double(-m.descender) / 64)
    }

    /// Pen positions (1/64 px) of each glyph of `text`, with pair kerning.
    private func layout(_ text: String, size64: Int) throws -> (glyphs: [(Glyph, Int)], advance: Int) {
        var pen = 0
        var out: [(Glyph, Int)] = []
        var previous: UInt32? = nil
        for scalar in text.unicodeScalars {
            let g = try glyph(scalar.value, size64: size64)
            if let p = previous {
                var delta = FT_Vector()
                try setSize(size64)
                if FT_Get_Kerning(face, p, g.index, FT_KERNING_DEFAULT.rawValue, &delta) == 0 { pen += Int(delta.x) }
            }
            out.append((g, pen))
            pen += g.advance
            previous = g.index
        }
        return (out, pen)
    }

    /// Width of `text` in pixels at `size` pixels per em.
    func measure(_ text: String, size: Double) throws -> Double {
        Double(try layout(text, size64: Int((size * 64).rounded())).advance) / 64
    }

    /// Renders `text` horizontally into a coverage buffer whose height is the font's line
    /// height (ascent + descent) and whose width is the advance width.
    func render(_ text: String, size: Double) throws -> RenderedText {
        let size64 = Int((size * 64).rounded())
        let (glyphs, advance) = try layout(text, size64: size64)
        let (asc, desc) = try lineMetrics(size: size)
        let baseline = Int(asc.rounded(.up))
        let height = baseline + Int(desc.rounded(.up))
        // Glyphs may overhang the advance box slightly (e.g. italic-like shapes, "f"): pad 1 px
        // on each side and keep the pen origin at x = 1.
        let pad = 1
        let width = Int((Double(advance) / 64).rounded(.up)) + 2 * pad
        var cov = [UInt8](repeating: 0, count: max(width, 1) * max(height, 1))
        for (g, pen) in glyphs {
            let ox = pad + Int((Double(pen) / 64).rounded()) + g.left
            let oy = baseline - g.top
            for y in 0..<g.rows {
                let ty = oy + y
                if ty < 0 || ty >= height { continue }
                for x in 0..<g.width {
                    let tx = ox + x
                    if tx < 0 || tx >= width { continue }
                    let v = g.bitmap[y * g.width + x]
                    let i = ty * width + tx
                    if v > cov[i] { cov[i] = v }
                }
            }
        }
        return RenderedText(coverage: cov, width: width, height: height, baseline: baseline)
    }
}

extension FontRenderer.RenderedText {
    /// The buffer rotated 90° counter-clockwise (text reads bottom to top, as y-axis labels do).
    /// The baseline becomes a column: `baseline` is then its distance from the left edge.
    func rotatedCounterClockwise() -> FontRenderer.RenderedText {
        var out = [UInt8](repeating: 0, count: width * height)
        // (x, y) in the source goes to (y, width - 1 - x) in the destination (dest width = height).
        for y in 0..<height {
            for x in 0..<width {
                out[(width - 1 - x) * height + y] = coverage[y * width + x]
            }
        }
        return FontRenderer.RenderedText(coverage: out, width: height, height: width, baseline: baseline)
    }
}
