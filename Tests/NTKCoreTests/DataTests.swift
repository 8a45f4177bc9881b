import XCTest
import CZlib
@testable import NTKCore

/// Small generated IDX files (plain and gzip) for the reader's error paths.
final class DataTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "ntk-data-tests-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    func idx(dims: [UInt32], body: [UInt8], magic: UInt32? = nil) -> [UInt8] {
        be32(magic ?? (0x800 | UInt32(dims.count))) + dims.flatMap(be32) + body
    }

    /// Writes bytes gzip-compressed through zlib.
    func writeGz(_ bytes: [UInt8], _ name: String) -> String {
        let p = dir + "/" + name
        let gz = gzopen(p, "wb")!
        _ = bytes.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32($0.count)) }
        gzclose(gz)
        return p
    }

    func writePlain(_ bytes: [UInt8], _ name: String) -> String {
        let p = dir + "/" + name
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    func testReadsValidImagesAndLabels() throws {
        let pixels: [UInt8] = (0..<(3 * 2 * 2)).map { UInt8($0 * 20) }
        let ip = writeGz(idx(dims: [3, 2, 2], body: pixels), "img.gz")
        let lp = writeGz(idx(dims: [3], body: [7, 0, 9]), "lab.gz")
        let split = try MNIST.load(imagesPath: ip, labelsPath: lp)
        XCTAssertEqual(split.labels, [7, 0, 9])
        XCTAssertEqual(split.images.rows, 3)
        XCTAssertEqual(split.images.columns, 4)
        XCTAssertEqual(split.images[1, 0], 80.0 / 255.0, accuracy: 1e-15)
        XCTAssertEqual(split.subset([2]).labels, [9])
        // Plain (uncompressed) files are read too.
        let plain = try IDXArray(contentsOfFile: writePlain(idx(dims: [2], body: [1, 2]), "p.idx"))
        XCTAssertEqual(plain.bytes, [1, 2])
    }

    func testBadMagic() {
        let p = writeGz(idx(dims: [2], body: [1, 2], magic: 0x0D01), "m.gz")   // 0x0D = double type
        XCTAssertThrowsError(try IDXArray(contentsOfFile: p)) { e in
            XCTAssertEqual(e as? DataError, .badMagic(p, found: 0x0D01))
        }
    }

    func testTruncatedBody() {
        let p = writeGz(idx(dims: [4, 2, 2], body: [UInt8](repeating: 1, count: 10)), "t.gz")
        XCTAssertThrowsError(try IDXArray(contentsOfFile: p)) { e in
            XCTAssertEqual(e as? DataError, .truncated(p, expected: 16, got: 10))
            XCTAssertTrue("\(e)".contains("truncated"))
        }
    }

    func testGzipAnnouncingMoreThanDeflateCanHoldIsRefusedBeforeAllocating() {
        // A ~40-byte gzip whose IDX header announces 2^31 bytes (the largest body allowed): deflate
        // cannot expand 1032:1 beyond the file, so this is refused without allocating the body.
        let p = writeGz(idx(dims: [2048, 1024, 1024], body: [1, 2, 3]), "bomb.gz")
        XCTAssertThrowsError(try IDXArray(contentsOfFile: p)) { e in
            guard case .unreadable(_, let why) = e as? DataError else { return XCTFail("\(e)") }
            XCTAssertTrue(why.contains("cannot hold"), why)
        }
    }

    func testTruncatedHeader() {
        let p = writePlain([0, 0, 8, 3, 0, 0], "h.idx")
        XCTAssertThrowsError(try IDXArray(contentsOfFile: p)) { e in
            guard case .truncated = e as? DataError else { return XCTFail("\(e)") }
        }
    }

    func testTrailingDataAndZeroDimension() {
        let p = writeGz(idx(dims: [2], body: [1, 2, 3]), "x.gz")
        XCTAssertThrowsError(try IDXArray(contentsOfFile: p)) { e in
            XCTAssertEqual(e as? DataError, .trailingData(p, extra: 1))
        }
        let z = writeGz(idx(dims: [0, 28, 28], body: []), "z.gz")
        XCTAssertThrowsError(try IDXArray(contentsOfFile: z)) { e in
            guard case .badDimensions = e as? DataError else { return XCTFail("\(e)") }
        }
    }

    func testCorruptGzipStreamIsAnError() throws {
        // A valid gzip file cut in half: zlib must report it, not return a short buffer.
        let full = writeGz(idx(dims: [4000], body: (0..<4000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }), "c.gz")
        let data = try Data(contentsOf: URL(fileURLWithPath: full))
        let cut = writePlain([UInt8](data.prefix(data.count / 2)), "cut.gz")
        XCTAssertThrowsError(try IDXArray(contentsOfFile: cut)) { e in
            guard case .unreadable = e as? DataError else { return XCTFail("\(e)") }
        }
    }

    func testMismatchedCountsAndBadLabels() {
        let ip = writeGz(idx(dims: [2, 1, 1], body: [0, 0]), "i.gz")
        let lp = writeGz(idx(dims: [3], body: [1, 2, 3]), "l.gz")
        XCTAssertThrowsError(try MNIST.load(imagesPath: ip, labelsPath: lp)) { e in
            guard case .badDimensions = e as? DataError else { return XCTFail("\(e)") }
        }
        let bad = writeGz(idx(dims: [2], body: [1, 12]), "b.gz")
        XCTAssertThrowsError(try MNIST.load(imagesPath: ip, labelsPath: bad)) { e in
            XCTAssertEqual(e as? DataError, .invalidLabel(bad, index: 1, value: 12))
        }
        // An image file where a label file is expected: dimension count is checked.
        XCTAssertThrowsError(try MNIST.load(imagesPath: ip, labelsPath: ip))
    }

    func testMissingFileNamesTheDataStep() {
        XCTAssertThrowsError(try IDXArray(contentsOfFile: dir + "/nope.gz")) { e in
            XCTAssertTrue("\(e)".contains("make data"), "\(e)")
        }
    }

    func testSHA256KnownVectorsAndChecksumVerification() throws {
        XCTAssertEqual(SHA256.hex(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // A directory with the four names, one of them corrupted.
        var listing = ""
        for f in MNIST.files {
            let p = writePlain(Array(f.utf8), f)
            listing += "\(try SHA256.hex(ofFile: p))  \(f)\n"
        }
        try listing.write(toFile: dir + "/SHA256SUMS", atomically: true, encoding: .utf8)
        let sums = SHA256.parseListing(listing)
        XCTAssertNoThrow(try MNIST.verify(directory: dir, officialSums: sums))
        _ = writePlain([1, 2, 3], MNIST.files[2])
        XCTAssertThrowsError(try MNIST.verify(directory: dir, officialSums: sums)) { e in
            guard case .checksumMismatch(let p, _, _) = e as? DataError else { return XCTFail("\(e)") }
            XCTAssertTrue(p.hasSuffix(MNIST.files[2]))
        }
    }

    /// The real files, fetched by `make data` (a prerequisite of `make verify`).
    func testRealMNIST() throws {
        let d = MNIST.defaultDirectory
        let test = try MNIST.load(train: false, directory: d)
        XCTAssertEqual(test.count, 10000)
        XCTAssertEqual(test.images.columns, 784)
        XCTAssertEqual(Array(test.labels.prefix(5)), [7, 2, 1, 0, 4])   // the well-known first test labels
        XCTAssertEqual(test.images.maxAbs, 1.0)
    }
}

final class AtomicFileTests: XCTestCase {
    func testWritesAndReplacesAtomically() throws {
        let dir = NSTemporaryDirectory() + "ntk-atomic-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = dir + "/sub/out.csv"
        try AtomicFile.write("one\n", to: p)
        XCTAssertEqual(try String(contentsOfFile: p, encoding: .utf8), "one\n")
        try AtomicFile.write("two\n", to: p)
        XCTAssertEqual(try String(contentsOfFile: p, encoding: .utf8), "two\n")
        // No temporary files are left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/sub"), ["out.csv"])
    }

    func testUnwritablePathThrowsWithPath() throws {
        // A path under a regular file cannot be created, even as root.
        let dir = NSTemporaryDirectory() + "ntk-atomic-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try AtomicFile.write("x", to: dir + "/file")
        let bad = dir + "/file/child.txt"
        XCTAssertThrowsError(try AtomicFile.write("y", to: bad)) { e in
            XCTAssertEqual((e as? OutputError)?.path, bad)
        }
        XCTAssertEqual(try String(contentsOfFile: dir + "/file", encoding: .utf8), "x")
    }

    /// Outputs are compared as files: spellings of one file (also under a directory still to be
    /// made, reached through a link) have one identity; a device has none; checking a path
    /// under new directories creates nothing.
    func testIdentityComparesFilesAndCheckCreatesNothing() throws {
        let dir = NSTemporaryDirectory() + "ntk-atomic-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/real", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: dir + "/real")
        let fresh = AtomicFile.identity(dir + "/real/new/m.npy")
        XCTAssertNotNil(fresh)
        for same in ["/link/new/m.npy", "/real/new/./m.npy", "/real/new/x/../m.npy", "/link/../real/new/m.npy"] {
            XCTAssertEqual(AtomicFile.identity(dir + same), fresh, same)
        }
        XCTAssertNotEqual(AtomicFile.identity(dir + "/real/new/n.npy"), fresh)
        try AtomicFile.write("x", to: dir + "/real/a.npy")
        XCTAssertEqual(AtomicFile.identity(dir + "/link/a.npy"), AtomicFile.identity(dir + "/real/./a.npy"))
        XCTAssertNil(AtomicFile.identity("/dev/null"))
        try AtomicFile.checkWritable(dir + "/real/new/sub/m.npy")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/real/new"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/real"), ["a.npy"])
        XCTAssertEqual(escapingControlCharacters("a\nb\u{1B}[2J\u{FEFF}"), "a\\x0ab\\x1b[2J\\u{FEFF}")
    }
}
