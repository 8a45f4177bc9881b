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

/// Writes a figure's outputs. Every file goes through `AtomicFile`, so an interrupted run keeps
/// the previous outputs intact.
public enum FigureRun {
    /// Writes NAME.csv, NAME.json and (through `renderPNG`) NAME.png into `options.out`, prints
    /// the claims, and returns the record.
    ///
    /// - Parameter renderPNG: writes the plot to the given path with the given PNG text chunks.
    @discardableResult
    public static func finish(_ output: FigureOutput, options: FigureOptions, seed: UInt64,
                              startTime: Double,
                              renderPNG: (_ path: String, _ metadata: [String: String]) throws -> Void) throws -> RunRecord {
        let dir = options.out
        let record = RunRecord(
            figure: output.name, title: output.title, scale: options.scale, seed: seed,
            parameters: output.parameters, proposals: output.proposals, notes: output.notes,
            gitCommit: Provenance.gitCommit(), blas: BLAS.libraryDescription, blasThreads: BLAS.threadCount,
            commandLine: Provenance.commandLine, date: Provenance.date(),
            wallTimeSeconds: Clock.now() - startTime, claims: output.claims)
        let metadata = Provenance.metadata(title: output.title, seed: seed,
                                           extra: ["Software": "ntk-replication \(output.name)",
                                                   "Scale": options.scale.rawValue])
        try renderPNG("\(dir)/\(output.name).png", metadata)
        try AtomicFile.write(output.csv.text, to: "\(dir)/\(output.name).csv")
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try enc.encode(record) + Data("\n".utf8), to: "\(dir)/\(output.name).json")
        if !options.quiet {
            for c in output.claims {
                printErr("claim \(c.id) \(c.passed ? "PASS" : "FAIL"): \(c.quantity) = \(fmt(c.measured)) (\(c.tolerance))")
            }
            printErr("wrote \(dir)/\(output.name).{png,csv,json} in \(String(format: "%.1f", record.wallTimeSeconds)) s")
        }
        return record
    }
}
