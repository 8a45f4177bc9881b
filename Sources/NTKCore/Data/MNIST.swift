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
/// Before any file is parsed its SHA-256 is checked against `SHA256SUMS` in the same directory
/// (committed in the repository); a mismatch or a missing file is a `DataError` that tells the
/// user to run `make data`.
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

    /// Verifies the four files' SHA-256 against `directory/SHA256SUMS`.
    public static func verify(directory: String = defaultDirectory) throws {
        let listingPath = directory + "/SHA256SUMS"
        guard let listing = try? String(contentsOfFile: listingPath, encoding: .utf8) else {
            throw DataError.missingFile(listingPath, hint: "The checksum list ships with the repository under data/mnist: run from the project root (or set NTK_DATA_DIR to a directory holding mnist/SHA256SUMS), then `make data`.")
        }
        let sums = SHA256.parseListing(listing)
        for f in files {
            let p = directory + "/" + f
            guard FileManager.default.fileExists(atPath: p) else {
                throw DataError.missingFile(p, hint: "Run `make data` to fetch MNIST.")
            }
            guard let expected = sums[f] else { throw DataError.noChecksum(p, listing: listingPath) }
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
