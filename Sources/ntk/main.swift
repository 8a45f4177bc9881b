// ntk: command-line access to the NTK core of this replication of Jacot, Gabriel & Hongler
// (NeurIPS 2018), "Neural Tangent Kernel". Prints analytic (infinite-width) kernels and
// empirical NTKs of freshly initialised networks as CSV. Bad input: one line on stderr, exit 2,
// no output file touched.
import ArgumentParser
import Foundation
import NTKCLI
import NTKCore

extension Parametrization: ExpressibleByArgument {}
extension EmpiricalNTKMode: ExpressibleByArgument {}

enum KernelKind: String, ExpressibleByArgument, CaseIterable {
    case ntk, nngp
}

struct NTKTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ntk",
        abstract: "Neural tangent kernels (Jacot, Gabriel & Hongler 2018) of fully connected networks.",
        discussion: """
            Inputs are CSV files with one input per row and no header (LF or CRLF), or .npy files \
            (float64 or float32, C order) when the name ends in .npy. Kernels are \
            printed as CSV with full double precision (%.17g), to stdout or to --out (written \
            atomically; a name ending in .npy gets a .npy file, float64 unless --npy-dtype float32; a device or FIFO is \
            written in place, a symlink is followed to its target). \
            Depth L counts weight layers (L = 4 means 3 hidden layers); the network uses the NTK \
            parametrisation a(l+1) = w_std W(l) a(l)/sqrt(n_l) + b_std b(l), parameters iid N(0,1) \
            (neural-tangents' W_std, b_std with parameterization='ntk'; the paper's beta is b_std \
            with w_std = 1).
            On bad input, a size that does not fit in memory or a non-finite result the tool prints \
            one line on stderr and exits with status 2.
            """,
        subcommands: [KernelCommand.self, EmpiricalCommand.self, PredictCommand.self])
}

/// Options shared by both subcommands.
struct CommonOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Number of weight layers L (≥ 1).")
    var depth: Int

    @Option(name: [.customLong("b-std"), .customLong("beta")], parsing: .unconditional,
            help: "Bias scale σ_b = β (neural-tangents' b_std; --beta is a synonym).")
    var bStd: Double = 0.1

    @Option(name: .customLong("w-std"), parsing: .unconditional, help: "Weight scale σ_w (neural-tangents' W_std; 1 in the paper).")
    var wStd: Double = 1

    @Option(help: "Hidden nonlinearity: relu, erf or identity.")
    var activation: Activation = .relu

    @Option(help: "paper (W·α/√n) or authors-code (W·α·√(1−β²)/√n).")
    var parametrization: Parametrization = .paper

    @Option(help: "CSV or .npy file of inputs X1 (N1 rows × d columns).")
    var x1: String

    @Option(help: "CSV or .npy file of inputs X2 (N2 rows × d columns); default X2 = X1.")
    var x2: String?

    @Option(help: "Write the kernel here instead of stdout: CSV, or .npy if the name ends in .npy.")
    var out: String?

    @Option(name: .customLong("npy-dtype"), help: "Element type of a .npy output: float64 or float32.")
    var npyDtype: NPYOutputType = .float64

    func validated() throws -> (Matrix, Matrix?) {
        guard depth >= 1 else { throw InputError("--depth must be at least 1 (got \(depth))") }
        guard bStd.isFinite else { throw InputError("--b-std (--beta) must be a finite number") }
        guard wStd.isFinite else { throw InputError("--w-std must be a finite number") }
        if parametrization == .authorsCode && abs(bStd) > 1 {
            throw InputError("--parametrization authors-code needs |--b-std| ≤ 1: its weight variance is σ_w²·(1 − β²) (got β = \(bStd))")
        }
        // The destination is checked before any work, not after the computation.
        if let out {
            try checkDestinations([("--out", out)], inputs: [("--x1", x1)] + (x2.map { [("--x2", $0)] } ?? []))
        }
        let a = try CSV.readMatrix(x1)
        try CSV.checkNorms(a, x1)
        let b = try x2.map { try CSV.readMatrix($0) }
        if let b, b.columns != a.columns {
            throw InputError("dimension mismatch: \(x1) has \(a.columns) columns, \(x2!) has \(b.columns)")
        }
        if let b { try CSV.checkNorms(b, x2!) }
        return (a, b)
    }

    /// Refuses a computation whose memory estimate exceeds what the machine has.
    func requireMemory(_ bytes: Int?, _ what: String) throws {
        do { try MemoryBudget.require(bytes: bytes, for: what) } catch { throw InputError("\(error)") }
    }

    func emit(_ m: Matrix, inputs: String) throws {
        if let k = m.storage.firstIndex(where: { !$0.isFinite }) {
            throw InputError("the kernel is not finite at row \(k / m.columns + 1) column \(k % m.columns + 1) (\(m.storage[k])) although \(inputs) are finite; the inputs are too large for this depth (scale them down)")
        }
        if let out { try CSV.checkFitsFloat32(m, what: "the kernel", path: out, type: npyDtype) }
        do {
            if let out { try MatrixFile.write(m, to: out, npyType: npyDtype.dtype) } else { try MatrixFile.writeCSVToStandardOutput(m) }
        } catch { throw InputError("\(error)") }
    }

    var inputNames: String { x2.map { "\(x1) and \($0)" } ?? x1 }
}

struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Analytic infinite-width kernel: NTK Θ(L) or NNGP Σ(L) (Jacot et al. 2018, Prop. 1, Thm 1).",
        discussion: "Example: ntk kernel --kind ntk --activation relu --depth 4 --w-std 1 --b-std 0.1 --x1 x.npy --out k.npy")

    @Option(help: "ntk (Θ∞) or nngp (Σ).")
    var kind: KernelKind = .ntk

    @OptionGroup var common: CommonOptions

    func run() throws {
        let (a, b) = try common.validated()
        let kernel = AnalyticKernel(depth: common.depth, activation: common.activation, weightStd: common.wStd,
                                    biasStd: common.bStd, parametrization: common.parametrization)
        try common.requireMemory(kernel.memoryEstimate(n1: a.rows, n2: b?.rows ?? a.rows, outputs: kind == .ntk ? .ntk : .nngp),
                                 "the \(a.rows)×\(b?.rows ?? a.rows) kernel at depth \(common.depth)")
        try common.emit(kind == .ntk ? kernel.ntk(a, b) : kernel.nngp(a, b), inputs: common.inputNames)
    }
}

struct EmpiricalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "empirical",
        abstract: "Empirical NTK J(X1)J(X2)ᵀ of a freshly initialised network (layerwise formula, no Jacobian).",
        discussion: """
            Modes: full = (N1·O)×(N2·O) kernel, row i·O+o for output o of input i; trace = sum over \
            outputs (N1×N2); pntk = (1/O)·1ᵀΘ1, the pNTK of Mohamadi et al. 2023 (N1×N2).
            Example: ntk empirical --depth 4 --width 500 --seed 1 --outputs 1 --x1 x.csv
            """)

    @OptionGroup var common: CommonOptions

    @Option(parsing: .unconditional, help: "Hidden width n (≥ 1).")
    var width: Int

    @Option(parsing: .unconditional, help: "Seed of the parameter draw.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Number of outputs O (≥ 1).")
    var outputs: Int = 1

    @Option(help: "full, trace or pntk.")
    var mode: EmpiricalNTKMode = .full

    func run() throws {
        guard width >= 1 else { throw InputError("--width must be at least 1 (got \(width))") }
        guard outputs >= 1 else { throw InputError("--outputs must be at least 1 (got \(outputs))") }
        let (a, b) = try common.validated()
        try common.requireMemory(
            MLP.empiricalNTKMemoryEstimate(inputDimension: a.columns, width: width, depth: common.depth, outputs: outputs,
                                           n1: a.rows, n2: b?.rows ?? 0, mode: mode),
            "a width-\(width) depth-\(common.depth) network with \(outputs) output(s) and its \(mode.rawValue) NTK on \(a.rows)×\(b?.rows ?? a.rows) inputs")
        let net = MLP(inputDimension: a.columns, width: width, depth: common.depth, outputs: outputs,
                      activation: common.activation, beta: common.bStd,
                      parametrization: common.parametrization, weightStd: common.wStd, seed: seed)
        try common.emit(net.empiricalNTK(a, b, mode: mode), inputs: common.inputNames)
    }
}

do {
    var command = try NTKTool.parseAsRoot()
    try command.run()
} catch let error as InputError {
    printErr("ntk: error: \(error.message)")
    exit(2)
} catch {
    if NTKTool.exitCode(for: error) == .success { NTKTool.exit(withError: error) }
    let message = NTKTool.message(for: error)
    let first = message.split(separator: "\n").first.map(String.init) ?? "\(error)"
    printErr("ntk: error: \(first) (see 'ntk --help')")
    exit(2)
}
