import Foundation

/// One MNIST split: images as an N×784 matrix and labels 0–9.
public struct MNISTSplit: Sendable {
    /// N×784, row-major, pixels scaled by `MNIST.load`'s `scale` (default: /255 → [0,1]).
    public var images: Matrix
    /// N labels in 0...9.
    public var labels: [Int]
    public var count: Int { labels.count }

    /// The examples at `indices`.
    public func subset(_ indices: [Int]) -> MNISTSplit {
        MNISTSplit(images: images.rows(at: indices), labels: indices.map { labels[$0] })
    }
}

/// The MNIST data set read from the four original IDX .gz files (see `data/mnist/README.md`).
///
/// Before any file is parsed its SHA-256 is checked against the official sums compiled into
/// the project (`officialSHA256`, also committed as `data/mnist/SHA256SUMS`); a mismatch or a
/// missing file is a `DataError` that tells the user to run `make data`.
public enum MNIST {
    public static let files = [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    ]

    /// The default data directory: `$NTK_DATA_DIR/mnist` if set, else `data/mnist`
    /// relative to the working directory.
    public static var defaultDirectory: String {
        if let d = ProcessInfo.processInfo.environment["NTK_DATA_DIR"], !d.isEmpty { return d + "/mnist" }
        return "data/mnist"
    }

    /// SHA-256 of the four official files (LeCun et al.; identical on every mirror). Data is
    /// verified against these, not against whatever `SHA256SUMS` sits next to it: a data
    /// directory cannot vouch for itself.
    public static let officialSHA256: [String: String] = [
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    ]

    /// Verifies the four files' SHA-256 against `officialSums` (default: the ones the project
    /// ships). `directory/SHA256SUMS` must also be present and a well-formed listing that agrees
    /// with them (it marks a directory prepared by `make data`).
    public static func verify(directory: String = defaultDirectory,
                              officialSums: [String: String] = officialSHA256) throws {
        let listingPath = directory + "/SHA256SUMS"
        guard FileManager.default.fileExists(atPath: listingPath) else {
            throw DataError.missingFile(listingPath, hint: "The checksum list ships with the repository under data/mnist: run from the project root (or set NTK_DATA_DIR to a directory holding mnist/SHA256SUMS), then `make data`.")
        }
        guard let raw = FileManager.default.contents(atPath: listingPath) else {
            throw DataError.unreadable(listingPath, reason: "cannot open")
        }
        guard let listing = String(data: raw, encoding: .utf8) else {
            throw DataError.badChecksumListing(listingPath, reason: "not UTF-8 text")
        }
        let sums: [String: String]
        do { sums = try SHA256.parseListingStrict(listing) } catch let e as SHA256.ListingError {
            throw DataError.badChecksumListing(listingPath, reason: e.reason)
        }
        for f in files {
            let p = directory + "/" + f
            guard let expected = officialSums[f] else { throw DataError.noChecksum(p, listing: "the project's official sums") }
            if let listed = sums[f], listed != expected {
                throw DataError.badChecksumListing(listingPath, reason: "its sum for \(f) differs from the official one the project ships (\(expected))")
            }
            guard FileManager.default.fileExists(atPath: p) else {
                throw DataError.missingFile(p, hint: "Run `make data` to fetch MNIST.")
            }
            let actual = try SHA256.hex(ofFile: p)
            guard actual == expected else {
                throw DataError.checksumMismatch(p, expected: expected, actual: actual)
            }
        }
    }

    /// Loads one split after verifying all checksums.
    ///
    /// - Parameters:
    ///   - train: the 60000-image training split, or the 10000-image test split.
    ///   - scale: multiplier applied to the raw 0–255 pixel values (default 1/255).
    public static func load(train: Bool, directory: String = defaultDirectory,
                            scale: Double = 1.0 / 255.0, verifyChecksums: Bool = true) throws -> MNISTSplit {
        if verifyChecksums { try verify(directory: directory) }
        let prefix = train ? "train" : "t10k"
        return try load(imagesPath: "\(directory)/\(prefix)-images-idx3-ubyte.gz",
                        labelsPath: "\(directory)/\(prefix)-labels-idx1-ubyte.gz", scale: scale)
    }

    /// Loads and cross-checks an image file and a label file (no checksum step; used by tests).
    public static func load(imagesPath: String, labelsPath: String, scale: Double = 1.0 / 255.0) throws -> MNISTSplit {
        let img = try IDXArray(contentsOfFile: imagesPath, expectedDimensions: 3)
        let lab = try IDXArray(contentsOfFile: labelsPath, expectedDimensions: 1)
        guard img.dimensions[0] == lab.dimensions[0] else {
            throw DataError.badDimensions(labelsPath, "\(lab.dimensions[0]) labels for \(img.dimensions[0]) images")
        }
        for (i, v) in lab.bytes.enumerated() where v > 9 {
            throw DataError.invalidLabel(labelsPath, index: i, value: v)
        }
        let n = img.dimensions[0]
        let d = img.dimensions[1] * img.dimensions[2]
        let px = img.bytes.map { Double($0) * scale }
        return MNISTSplit(images: Matrix(rows: n, columns: d, storage: px), labels: lab.bytes.map { Int($0) })
    }
}
