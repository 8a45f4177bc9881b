import ArgumentParser
import Foundation
import NTKCore
import NTKPlot

/// The shared driver of every figure executable: applies the options, runs the computation,
/// renders and writes NAME.png/.csv/.json, and turns errors into one clear stderr line with
/// exit code 2 (bad input or missing data) — never a crash, never a half-written file.
///
/// Exit codes: 0 outputs written (claims may still have failed: see NAME.json and
/// `claims-report`), 2 an error before any output was written.
public enum FigureDriver {
    public static func run(name: String, options: FigureOptions,
                           compute: (Progress) throws -> (FigureOutput, Figure)) throws {
        if let t = options.threads { BLAS.setThreadCount(t) }
        let start = Clock.now()
        let progress = Progress(name, total: 1, quiet: options.quiet)
        do {
            progress.note("scale \(options.scale.rawValue), seed \(options.seed), BLAS threads \(BLAS.threadCount)")
            let (output, figure) = try compute(progress)
            try FigureRun.finish(output, options: options, seed: options.seed, startTime: start) { path, meta in
                try figure.write(pngPath: path, metadata: meta)
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            printErr("\(name): error: \(error)")
            throw ExitCode(2)
        }
    }
}
