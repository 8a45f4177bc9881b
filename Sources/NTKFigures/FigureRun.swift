import Foundation
import NTKCore
import NTKPlot

/// Everything a figure computation hands back: numbers for the plot, the CSV, claims and notes.
/// Figure code fills this; `FigureRun.finish` writes the files.
public struct FigureOutput: Sendable {
    public var name: String
    public var title: String
    public var parameters: [String: JSONValue] = [:]
    public var proposals: [String] = []
    public var notes: [String] = []
    public var claims: [Claim] = []
    public var csv: CSVTable

    public init(name: String, title: String, csv: CSVTable) {
        self.name = name
        self.title = title
        self.csv = csv
    }

    /// The claim with the given id (tests look claims up by their docs/SPEC.md row).
    public func claim(_ id: String) -> Claim? { claims.first { $0.id == id } }
}

/// Writes a figure's outputs as one set. NAME.png and NAME.csv are written to temporaries and
/// flushed, then NAME.json — whose record names their SHA-256 — is written to a temporary; only
/// then are the three renamed into place, the JSON last. An interrupted run keeps the previous
/// outputs, or leaves a PNG/CSV that the old JSON's hashes do not match (which `claims-report`
/// rejects); its temporaries are removed by the next run (`removeStaleTemporaries`).
public enum FigureRun {
    /// The three file names of a figure's set, the JSON (completion marker) last.
    public static func fileNames(_ name: String) -> [String] { ["\(name).png", "\(name).csv", "\(name).json"] }

    /// Removes temporaries of this figure's files left in `dir` by a killed earlier run.
    @discardableResult
    public static func removeStaleTemporaries(name: String, in dir: String) -> [String] {
        AtomicFile.removeStaleTemporaries(in: dir, names: fileNames(name))
    }

    /// Writes NAME.png, NAME.csv and NAME.json into `options.out`, prints the claims, and
    /// returns the record.
    ///
    /// - Parameter renderPNG: encodes the plot as PNG bytes with the given text chunks.
    @discardableResult
    public static func finish(_ output: FigureOutput, options: FigureOptions, seed: UInt64,
                              startTime: Double,
                              renderPNG: (_ metadata: [String: String]) throws -> Data) throws -> RunRecord {
        let dir = options.out
        var record = RunRecord(
            figure: output.name, title: output.title, scale: options.scale, seed: seed,
            parameters: output.parameters, proposals: output.proposals, notes: output.notes,
            gitCommit: Provenance.gitCommit(), blas: BLAS.libraryDescription, blasThreads: BLAS.threadCount,
            commandLine: Provenance.commandLine, date: Provenance.date(),
            wallTimeSeconds: Clock.now() - startTime, claims: output.claims)
        let metadata = Provenance.metadata(title: output.title, seed: seed,
                                           extra: ["Software": "ntk-replication \(output.name)",
                                                   "Scale": options.scale.rawValue])
        let names = fileNames(output.name)
        let png = try renderPNG(metadata)
        let csv = Data(output.csv.text.utf8)
        record.outputs = [names[0]: SHA256.hex(png), names[1]: SHA256.hex(csv)]
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = try enc.encode(record) + Data("\n".utf8)
        // Stage all three (written and flushed), then publish them together, JSON last.
        var staged = [AtomicFile.Output]()
        for (name, data) in zip(names, [png, csv, json]) {
            let o = try AtomicFile.Output(path: "\(dir)/\(name)")
            try o.write(data)
            try o.prepare()
            staged.append(o)
        }
        for o in staged { try o.publish() }
        if !options.quiet {
            for c in output.claims {
                printErr("claim \(c.id) \(c.passed ? "PASS" : "FAIL"): \(c.quantity) = \(fmt(c.measured)) (\(c.tolerance))")
            }
            printErr("wrote \(dir)/\(output.name).{png,csv,json} in \(String(format: "%.1f", record.wallTimeSeconds)) s")
        }
        return record
    }
}
