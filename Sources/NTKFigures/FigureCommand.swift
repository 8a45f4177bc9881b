import ArgumentParser
import Foundation
import NTKCore
import NTKPlot

/// The shared driver of every figure executable: applies the options, runs the computation,
/// renders and writes NAME.png/.csv/.json, and turns errors into one clear stderr line with
/// exit code 2 (bad input or missing data) — never a crash, never a half-written file.
///
/// Exit codes (the convention of every executable, README "Exit codes"): 0 outputs written
/// (claims may still have failed: see NAME.json and `claims-report`), 2 a usage error or an
/// error before any output was written.
public enum FigureDriver {
    public static func run(name: String, options: FigureOptions,
                           compute: (Progress) throws -> (FigureOutput, Figure)) throws {
        if let t = options.threads { BLAS.setThreadCount(t) }
        let start = Clock.now()
        let progress = Progress(name, total: 1, quiet: options.quiet)
        do {
            // The output directory is checked before the computation, not after it.
            try AtomicFile.checkWritableDirectory(options.out)
            for p in FigureRun.removeStaleTemporaries(name: name, in: options.out) {
                progress.note("removed \(p), left by an interrupted earlier run")
            }
            progress.note("scale \(options.scale.rawValue), seed \(options.seed), BLAS threads \(BLAS.threadCount)")
            let (output, figure) = try compute(progress)
            try FigureRun.finish(output, options: options, seed: options.seed, startTime: start) { meta in
                try figure.pngData(metadata: meta)
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            printErr("\(name): error: \(error)")
            throw ExitCode(2)
        }
    }
}

/// The `main` of every executable except `ntk` (which has its own, with the same convention):
/// parses the command line and runs the command. A usage error (unknown option, bad value,
/// failed validation) prints ONE line on stderr and exits 2; `--help` prints the help and exits
/// 0; an `ExitCode` thrown by the command (its message already printed) exits with that code.
public enum CommandMain {
    public static func run<C: ParsableCommand>(_ type: C.Type) -> Never {
        do {
            var command = try C.parseAsRoot()
            try command.run()
            exit(0)
        } catch let e as ExitCode {
            exit(e.rawValue)
        } catch {
            if C.exitCode(for: error) == .success { C.exit(withError: error) }
            let name = C.configuration.commandName ?? "command"
            let message = C.message(for: error)
            let first = message.split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
            printErr("\(name): error: \(first.hasPrefix("Error: ") ? String(first.dropFirst(7)) : first) (see '\(name) --help')")
            exit(2)
        }
    }
}
