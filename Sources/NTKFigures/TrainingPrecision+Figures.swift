import ArgumentParser
import NTKCore

extension TrainingPrecision: ExpressibleByArgument {}

extension TrainingPrecision {
    /// The run-record proposal of the figures that train in float32 (Figs. 1 and 2).
    public static let float32Note =
        "Gradient descent runs in float32 (OpenBLAS sgemm, about 1.6× faster than float64 on Fig. 1's skinny products); "
        + "networks are drawn in float64 and rounded once, and every kernel is evaluated in float64 from the trained weights. "
        + "Against float64 training of the same networks the trained kernel moves by under 1% of its change Θ_T − Θ0 "
        + "(0.3% measured at n = 1000; MLPTests.testFloat32TrainingMatchesFloat64). --training-precision float64 reruns in float64."
}

/// `--training-precision`, shared by the figure executables that train wide networks.
public struct TrainingPrecisionOption: ParsableArguments, Sendable {
    @Option(help: "Arithmetic of gradient descent: float32 (default, ~1.6× faster) or float64. Kernels are always evaluated in float64.")
    public var trainingPrecision: TrainingPrecision = .float32

    public init() {}
}
