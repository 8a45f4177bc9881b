// swift-tools-version:6.0
// ntk-replication: reproduces Jacot, Gabriel & Hongler (NeurIPS 2018), "Neural Tangent Kernel",
// and related wide-network results. See README.md for the map of targets.
import PackageDescription

let package = Package(
    name: "ntk-replication",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "NTKCore", targets: ["NTKCore"]),
        .library(name: "NTKPlot", targets: ["NTKPlot"]),
        .executable(name: "ntk", targets: ["ntk"]),
        .executable(name: "ntk-mpi", targets: ["ntk-mpi"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C system libraries (found through pkg-config; `make deps` installs them)
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CLAPACKE", pkgConfig: "lapacke",
                       providers: [.apt(["liblapacke-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CFreeType", pkgConfig: "freetype2",
                       providers: [.apt(["libfreetype-dev"])]),
        // MPI and ScaLAPACK (with its BLACS) for ntk-mpi only; nothing else links them.
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(name: "CScaLAPACK", pkgConfig: "scalapack-openmpi",
                       providers: [.apt(["libscalapack-openmpi-dev"])]),

        // MARK: - Core library: all numerical code
        .target(
            name: "NTKCore",
            dependencies: ["CBLAS", "CLAPACKE", "CZlib", "CCrypto", "_KernelSIMD"]
        ),
        // The analytic ReLU kernel's elementwise pass, vectorised in C for AVX-512/AVX2/SSE2 and
        // dispatched at run time (Swift cannot compile one function for several instruction sets).
        .target(name: "_KernelSIMD"),

        // MARK: - Plotting: PNG figures (libpng through the _PNGShim C target, FreeType text)
        .target(name: "_PNGShim", dependencies: ["CPNG"]),
        .target(
            name: "NTKPlot",
            dependencies: ["NTKCore", "_PNGShim", "CFreeType"]
        ),

        // MARK: - Figure machinery: options, run records, claims, CLAIMS.md
        .target(
            name: "NTKFigures",
            dependencies: [
                "NTKCore", "NTKPlot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - The options, input loading and output writing of `ntk predict`, shared by ntk and ntk-mpi
        .target(
            name: "NTKCLI",
            dependencies: [
                "NTKCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Distributed kernel regression (MPI + ScaLAPACK through the _MPIShim C target)
        .target(name: "_MPIShim", dependencies: ["CMPI", "CScaLAPACK"]),
        .target(name: "NTKDistributed", dependencies: ["NTKCore", "_MPIShim"]),

        // MARK: - Executables
        .executableTarget(
            name: "claims-report",
            dependencies: [
                "NTKCore", "NTKFigures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ntk-bench",
            dependencies: [
                "NTKCore", "NTKFigures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ntk",
            dependencies: [
                "NTKCore", "NTKCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ntk-mpi",
            dependencies: [
                "NTKCore", "NTKCLI", "NTKDistributed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "plot-demo",
            dependencies: [
                "NTKCore", "NTKPlot", "NTKFigures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "fig1-ntk-circle",
            dependencies: [
                "NTKCore", "NTKFigures", "NTKPlot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "fig2-ntk-convergence",
            dependencies: [
                "NTKCore", "NTKFigures", "NTKPlot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "fig3-function-distribution",
            dependencies: [
                "NTKCore", "NTKFigures", "NTKPlot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "fig4-mnist-error-prediction",
            dependencies: [
                "NTKCore", "NTKFigures", "NTKPlot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "fig5-mnist-kernel-pca",
            dependencies: [
                "NTKCore", "NTKFigures", "NTKPlot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "fig6-random-labels",
            dependencies: [
                "NTKCore", "NTKFigures", "NTKPlot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "fig7-pntk-approximation",
            dependencies: [
                "NTKCore", "NTKFigures", "NTKPlot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "fig8-linearized-dynamics",
            dependencies: [
                "NTKCore", "NTKFigures", "NTKPlot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "fig9-ntk-gaussian-process",
            dependencies: [
                "NTKCore", "NTKFigures", "NTKPlot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "lee2018-nngp-mnist",
            dependencies: [
                "NTKCore", "NTKFigures", "NTKPlot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Tests
        .testTarget(name: "NTKCoreTests", dependencies: ["NTKCore", "CZlib"]),
        .testTarget(name: "NTKFiguresTests", dependencies: ["NTKFigures", "NTKCore"]),
        .testTarget(name: "NTKPlotTests", dependencies: ["NTKPlot", "_PNGShim", "NTKCore"]),
        // Runs ntk-mpi under mpirun against ntk predict; links no MPI itself.
        .testTarget(name: "NTKDistributedTests", dependencies: ["NTKCore"]),
    ]
)
