import ArgumentParser
import Foundation
import NTKCore

/// Problem size of a figure run.
public enum Scale: String, ExpressibleByArgument, CaseIterable, Codable, Sendable {
    /// The paper's sizes (widths, seeds, steps). The default.
    case paper
    /// A small, faithful version for tests and CI (seconds, not minutes).
    case quick
}

/// Options shared by every figure executable (`fig1-…` to `fig6-…`).
public struct FigureOptions: ParsableArguments, Sendable {
    @Option(help: "Problem size: 'paper' follows the paper's sizes, 'quick' is a small faithful version for tests and CI.")
    public var scale: Scale = .paper

    @Option(help: "Base seed; every random draw of the run derives from it.")
    public var seed: UInt64 = 0

    @Option(help: "Output directory for NAME.png, NAME.csv and NAME.json.")
    public var out: String = "figures"

    @Flag(help: "No progress messages on stderr.")
    public var quiet = false

    @Option(help: "OpenBLAS threads (default: OpenBLAS's choice, normally all cores).")
    public var threads: Int?

    public init() {}

    /// Options for programmatic runs (tests).
    public init(scale: Scale, seed: UInt64 = 0, out: String, quiet: Bool = true) {
        self.scale = scale
        self.seed = seed
        self.out = out
        self.quiet = quiet
    }

    public func validate() throws {
        if let t = threads {
            let maxT = BLAS.maxThreadCount
            guard (1...maxT).contains(t) else {
                throw ValidationError("--threads must be between 1 and \(maxT) (this OpenBLAS build's MAX_THREADS), got \(t)")
            }
        }
        guard !out.isEmpty else { throw ValidationError("--out must name a directory, got an empty string") }
    }
}

/// Progress messages on stderr with an ETA, throttled to one line per `interval` seconds.
public final class Progress: @unchecked Sendable {
    let label: String
    /// Units of work in the whole run (set by the computation when it knows its size).
    public var total: Int {
        didSet { total = max(total, 1) }
    }
    let quiet: Bool
    let interval: Double
    let start = Clock.now()
    var lastPrint = -1.0e9
    public private(set) var done = 0

    public init(_ label: String, total: Int, quiet: Bool, interval: Double = 2.0) {
        self.label = label
        self.total = max(total, 1)
        self.quiet = quiet
        self.interval = interval
    }

    /// Marks `units` more work done and prints `message` if enough time has passed.
    public func advance(_ units: Int = 1, _ message: @autoclosure () -> String = "") {
        done += units
        guard !quiet else { return }
        let now = Clock.now()
        if now - lastPrint < interval && done < total { return }
        lastPrint = now
        let elapsed = now - start
        let eta = done > 0 ? elapsed * Double(total - done) / Double(done) : 0
        let msg = message()
        printErr(String(format: "[%@] %3d%% %@ (elapsed %.0fs, ETA %.0fs)", label as NSString,
                        100 * done / total, msg as NSString, elapsed, eta))
    }

    /// A one-off message (unless quiet).
    public func note(_ message: String) {
        if !quiet { printErr("[\(label)] \(message)") }
    }
}

/// Monotonic wall clock.
public enum Clock {
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
