// ntk-mpi: `ntk predict` across machines. The same options and outputs as `ntk predict`; the
// train kernel lives block-cyclic over the MPI ranks and is factorised by ScaLAPACK
// (NTKDistributed). Run it under mpirun: `mpirun -np 4 ntk-mpi predict …`. Only rank 0 reads
// the input files and writes the outputs; a failure on any rank stops every rank with exit
// status 2 and one message on stderr, and nothing is written.
import ArgumentParser
import Foundation
import NTKCLI
import NTKCore
import NTKDistributed

struct NTKMPITool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ntk-mpi",
        abstract: "Kernel regression with the infinite-width NTK/NNGP across MPI ranks (ScaLAPACK): ntk predict beyond one machine.",
        discussion: """
            Run under mpirun, e.g. mpirun --hostfile hosts -np 32 ntk-mpi predict --x-train x.npy … \
            (a single rank also works without mpirun). See 'ntk-mpi predict --help'.
            """,
        subcommands: [MPIPredictCommand.self])
}

struct MPIPredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "ntk predict across MPI ranks: the same options, the same outputs (to 1e-10 relative).",
        discussion: """
            The N×N train kernel is dealt out 2-D block-cyclically (nb×nb blocks) over a process grid; \
            each rank evaluates only its own tiles of the analytic kernel from the inputs, which rank 0 \
            reads and broadcasts. t = inf: Cholesky (pdpotrf/pdpotrs), with the same ridge, jitter \
            schedule and singularity rule as ntk predict; finite t: eigendecomposition (pdsyevd). Test \
            predictions come from each rank's own tiles of the test–train kernel and are added up by \
            one reduction onto rank 0, which alone writes MEAN, COV and the report (staged and renamed \
            together). Memory per rank is about 8·N²/P bytes for the train kernel at t = inf (twice \
            with --cov-out and --kernel ntk, four times at finite t), plus 8·N·M/P per N×M block and 8·M² \
            with --cov-out; the estimate is printed first (unless --quiet) and a request that does \
            not fit on a node is refused. --solver is accepted for compatibility and ignored. A failure \
            on any rank (bad input, non-positive-definite kernel, memory) stops every rank with exit \
            status 2 and one line on stderr.
            Example: mpirun -np 4 ntk-mpi predict --x-train x.npy --y-train y.npy --x-test xt.npy --out mean.npy --cov-out cov.npy
            """)

    @OptionGroup var options: PredictOptions

    @Option(name: .customLong("block-size"), parsing: .unconditional, help: "ScaLAPACK block size nb (≥ 1).")
    var blockSize: Int = 128

    @Option(help: "Process grid ROWSxCOLUMNS whose product is the number of ranks (default: the most square).")
    var grid: String?

    @Option(parsing: .unconditional, help: "BLAS threads per rank (default: this rank's cores, shared with the other ranks on its node).")
    var threads: Int?

    /// The grid shape: --grid or the most square one.
    func gridShape(ranks p: Int) throws -> (rows: Int, columns: Int) {
        guard let grid else { return ProcessGrid.shape(ranks: p) }
        let parts = grid.lowercased().split(separator: "x").map { Int($0) }
        guard parts.count == 2, let r = parts[0], let c = parts[1], r >= 1, c >= 1 else {
            throw InputError("--grid must be ROWSxCOLUMNS, e.g. 2x4 (got '\(grid)')")
        }
        let (product, overflow) = r.multipliedReportingOverflow(by: c)
        guard !overflow, product == p else {
            throw InputError("--grid \(grid) has \(overflow ? "more than \(Int.max)" : "\(product)") processes but the job has \(p) ranks")
        }
        return (r, c)
    }

    func run() throws {
        let rank = MPI.rank, ranks = MPI.size
        let quiet = options.quiet
        // Options and destinations (rank 0 writes), then the inputs (rank 0 reads): bad input is
        // found before any distributed work.
        var inputs: PredictInputs?
        try MPI.agreeing { if rank == 0 {
            // ScaLAPACK takes 32-bit integers; a block larger than any matrix it can hold is an error.
            guard blockSize >= 1, blockSize <= Int(Int32.max) else {
                throw InputError("--block-size must be between 1 and \(Int32.max) (got \(blockSize))")
            }
            if let threads, threads < 1 || threads > 1024 { throw InputError("--threads must be between 1 and 1024 (got \(threads))") }
            _ = try gridShape(ranks: ranks)
            _ = try options.checked()
            inputs = try options.loadInputs()
        } }
        let t = try options.parsedTime()
        let shape = try gridShape(ranks: ranks)
        var sizes = inputs.map { [$0.x.rows, $0.x.columns, $0.y.columns, $0.xt.rows] } ?? [0, 0, 0, 0]
        MPI.broadcast(&sizes)
        let (n, d, o, m) = (sizes[0], sizes[1], sizes[2], sizes[3])
        let covariance = options.covOut != nil

        // Memory per rank: printed first, then refused where the ranks of a node cannot fit.
        let estimate = DistributedKernelPredictor.memoryEstimate(
            train: n, test: m, outputs: o, dimension: d, depth: options.depth, covariance: covariance, mode: options.kernel,
            finite: t != .infinity, block: blockSize, gridRows: shape.rows, gridColumns: shape.columns)
        let nodeRanks = MPI.nodeSize
        if rank == 0 && !quiet, let estimate {
            printErr("ntk-mpi predict: \(n) train, \(m) test, \(o) outputs on \(ranks) rank\(ranks == 1 ? "" : "s") "
                     + "(\(shape.rows)×\(shape.columns) grid, block \(blockSize)): about \(MemoryBudget.describe(Double(estimate))) per rank")
        }
        try MPI.agreeing {
            if let problem = DistributedKernelPredictor.integerLimitProblem(
                train: n, test: m, finite: t != .infinity, block: blockSize, gridRows: shape.rows, gridColumns: shape.columns) {
                throw InputError(problem)
            }
            let perNode = estimate.flatMap { MemoryBudget.product($0, nodeRanks) }
            do {
                try MemoryBudget.require(bytes: perNode, for: "ntk-mpi predict on \(n) train and \(m) test inputs with \(nodeRanks) rank\(nodeRanks == 1 ? "" : "s") on this node")
            } catch {
                throw InputError("\(error); use more ranks (or fewer per node)\(t == .infinity ? "" : ", t = inf (a quarter of the memory)") or split the test set")
            }
        }

        // Inputs are broadcast (kernels never are).
        var x = inputs?.x ?? Matrix(rows: n, columns: d), y = inputs?.y ?? Matrix(rows: n, columns: o)
        var xt = inputs?.xt ?? Matrix(rows: m, columns: d)
        inputs = nil
        MPI.broadcast(&x)
        MPI.broadcast(&y)
        MPI.broadcast(&xt)

        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil || threads != nil {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            BLAS.setThreadCount(threads ?? Swift.max(1, Swift.min(cores, ProcessInfo.processInfo.processorCount / nodeRanks)))
        }
        let processGrid = ProcessGrid(rows: shape.rows, columns: shape.columns)
        defer { processGrid.release() }
        let progress = ProgressReporter(quiet: quiet || rank != 0, prefix: "ntk-mpi predict")
        let predictor = DistributedKernelPredictor(options.predictor(time: t), block: blockSize, grid: processGrid)
        let run = try predictor.predict(xTrain: x, yTrain: y, xTest: xt, covariance: covariance) { progress.report($0, $1) }
        let r = run.prediction

        // Rank 0 checks and writes; every rank learns whether that worked.
        let phases = run.phaseSeconds.map { "\"\($0.phase)\": \($0.seconds)" }.joined(separator: ", ")
        let record = PredictReport(
            train: n, test: m, outputs: o, kernel: options.kernel, time: t, method: r.method, ridge: r.ridge,
            jitter: r.jitter, seconds: r.seconds, peakBytes: r.peakBytes,
            extra: [("ranks", "\(ranks)"), ("grid", "\"\(shape.rows)x\(shape.columns)\""), ("block_size", "\(blockSize)"),
                    ("estimate_bytes_per_rank", "\(estimate ?? -1)"), ("phase_seconds", "{\(phases)}")])
        try MPI.agreeing { if rank == 0 {
            try options.checkFinite(mean: r.mean, covariance: r.covariance)
            if r.jitter > 0 {
                printErr("ntk-mpi predict: Cholesky needed a jitter of \(r.jitter) on the diagonal (on top of the ridge \(r.ridge))")
            }
            try options.publish(mean: r.mean, covariance: r.covariance, report: record)
        } }
        if rank == 0 && !quiet {
            printErr("ntk-mpi predict: \(ranks) rank\(ranks == 1 ? "" : "s"), " + record.summary + " (largest rank)")
        }
    }
}

// Every rank parses the same command line and runs the same collective steps; errors are
// agreed between the ranks (MPI.agree) or arise from reduced values, so every rank leaves
// through the same branch below and rank 0 alone prints.
do {
    try MPI.initialize()
} catch {
    printErr("ntk-mpi: error: \(error)")
    exit(2)
}
let isRoot = MPI.rank == 0
func finish(_ status: Int32, _ message: String?) -> Never {
    if isRoot, let message { printErr(message) }
    MPI.finalize()
    exit(status)
}
do {
    var command = try NTKMPITool.parseAsRoot()
    try command.run()
    finish(0, nil)
} catch let error as AgreedFailure {
    finish(2, "ntk-mpi: error: \(error.message)")
} catch let error as InputError {
    finish(2, "ntk-mpi: error: \(error.message)")
} catch let error as RFPError {
    finish(2, "ntk-mpi: error: \(error)")
} catch let error as DistributedError {
    finish(2, "ntk-mpi: error: \(error)")
} catch let error as LinearAlgebraError {
    finish(2, "ntk-mpi: error: \(error)")
} catch {
    if NTKMPITool.exitCode(for: error) == .success {
        if isRoot { print(NTKMPITool.fullMessage(for: error)) }   // --help: printed by rank 0
        finish(0, nil)
    }
    let first = NTKMPITool.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    finish(2, "ntk-mpi: error: \(first) (see 'ntk-mpi --help')")
}
